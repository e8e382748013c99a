package tenantdata

// Progress receives the advance of a job: rows done so far in table. done is true once, when the
// table is finished. Nil reports nothing.
type Progress func(table string, rows int64, done bool)

func (p Progress) report(table string, rows int64, done bool) {
	if p != nil {
		p(table, rows, done)
	}
}

// progressEvery is how many rows pass between two reports.
const progressEvery = 10_000
