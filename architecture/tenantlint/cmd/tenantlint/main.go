package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/tenantcore/tenantcore/architecture/tenantlint"
)

func main() { singlechecker.Main(tenantlint.Analyzer) }
