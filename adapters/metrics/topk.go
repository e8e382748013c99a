package metrics

import (
	"container/heap"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultTopK is how many tenants TenantTop names when asked for zero or fewer.
const DefaultTopK = 10

// topShards spreads the tenants over independently locked summaries, so that concurrent requests
// of different tenants rarely wait for one another. A tenant always lands in the same shard, so
// its count is never split.
const topShards = 16

// Other is the label value that sums every tenant outside the top K.
const Other = "other"

// TenantTop is an approximate top-K of tenants by requests and by time in tenant transactions,
// exposed at /metrics with at most K+1 label values per metric (the K heaviest tenants and
// "other"), however many tenants are active. Each measure is a space-saving summary (Metwally,
// Agrawal and El Abbadi, 2005): a fixed number of counters; an untracked tenant takes over the
// smallest counter and inherits its count as its possible overestimate. Any tenant whose true
// share exceeds 1/counters of the total is guaranteed to be tracked, so the noisy neighbour is
// always in the list; the counts of the rest are upper bounds.
type TenantTop struct {
	k        int
	requests *spaceSaving
	dbTime   *spaceSaving
}

// NewTenantTop returns a top-k (k ≤ 0: DefaultTopK).
func NewTenantTop(k int) *TenantTop {
	if k <= 0 {
		k = DefaultTopK
	}
	// Four counters per reported tenant in each shard keeps the estimates of the top K tight
	// while memory stays a few kilobytes.
	perShard := max(4*k, 16)
	return &TenantTop{k: k, requests: newSpaceSaving(perShard), dbTime: newSpaceSaving(perShard)}
}

// K is the number of tenants the top names.
func (t *TenantTop) K() int { return t.k }

// ObserveTenantRequest counts one request served for the tenant.
func (t *TenantTop) ObserveTenantRequest(tenantID uuid.UUID) { t.requests.add(tenantID, 1) }

// ObserveTransaction adds the time of one tenant transaction of the tenant.
func (t *TenantTop) ObserveTransaction(tenantID uuid.UUID, elapsed time.Duration) {
	t.dbTime.add(tenantID, elapsed.Seconds())
}

// TopEntry is one tenant of a top: its estimated total and how much of it may be overestimate.
type TopEntry struct {
	Tenant string // a tenant UUID, or Other
	Value  float64
	// Error bounds the overestimate: the true value is between Value-Error and Value.
	Error float64
}

// Requests returns the top K tenants by requests, heaviest first, then Other.
func (t *TenantTop) Requests() []TopEntry { return t.requests.top(t.k) }

// DBTime returns the top K tenants by seconds in tenant transactions, heaviest first, then Other.
func (t *TenantTop) DBTime() []TopEntry { return t.dbTime.top(t.k) }

var (
	topRequests = prometheus.NewDesc("tenantcore_tenant_top_requests",
		"Requests served since start for the K busiest tenants (approximate top-K; an upper bound), and for all others as tenant_id=\"other\".",
		[]string{"tenant_id"}, nil)
	topDBSeconds = prometheus.NewDesc("tenantcore_tenant_top_db_seconds",
		"Seconds spent in tenant transactions since start for the K tenants using the most (approximate top-K; an upper bound), and for all others as tenant_id=\"other\".",
		[]string{"tenant_id"}, nil)
)

// Describe implements prometheus.Collector.
func (t *TenantTop) Describe(ch chan<- *prometheus.Desc) {
	ch <- topRequests
	ch <- topDBSeconds
}

// Collect implements prometheus.Collector. The values are gauges: a tenant that enters the top
// starts from the count it inherited, so they are not counters a rate could be taken of.
func (t *TenantTop) Collect(ch chan<- prometheus.Metric) {
	for _, e := range t.Requests() {
		ch <- prometheus.MustNewConstMetric(topRequests, prometheus.GaugeValue, e.Value, e.Tenant)
	}
	for _, e := range t.DBTime() {
		ch <- prometheus.MustNewConstMetric(topDBSeconds, prometheus.GaugeValue, e.Value, e.Tenant)
	}
}

// spaceSaving is a sharded weighted space-saving summary.
type spaceSaving struct {
	shards [topShards]shard
}

type shard struct {
	mu       sync.Mutex
	capacity int
	index    map[uuid.UUID]int // tenant → position in heap
	heap     counterHeap       // min-heap by value: the root is the counter to take over
	total    float64           // every weight added, tracked or not
	_        [64]byte          // keeps neighbouring shards' locks off one cache line
}

type counter struct {
	tenant       uuid.UUID
	value, error float64
}

func newSpaceSaving(perShard int) *spaceSaving {
	s := &spaceSaving{}
	for i := range s.shards {
		s.shards[i].capacity = perShard
		s.shards[i].index = make(map[uuid.UUID]int, perShard)
	}
	return s
}

func (s *spaceSaving) add(tenant uuid.UUID, w float64) {
	// The last byte of a UUID (v4 or v7) is random: a fair spread without hashing.
	sh := &s.shards[int(tenant[15])%topShards]
	sh.mu.Lock()
	sh.total += w
	if i, ok := sh.index[tenant]; ok {
		sh.heap.items[i].value += w
		heap.Fix(&sh.heap, i)
		sh.fixIndex()
		sh.mu.Unlock()
		return
	}
	if len(sh.heap.items) < sh.capacity {
		heap.Push(&sh.heap, counter{tenant: tenant, value: w})
	} else {
		least := sh.heap.items[0]
		delete(sh.index, least.tenant)
		sh.heap.items[0] = counter{tenant: tenant, value: least.value + w, error: least.value}
		sh.heap.moved = append(sh.heap.moved, 0)
		heap.Fix(&sh.heap, 0)
	}
	sh.fixIndex()
	sh.mu.Unlock()
}

// fixIndex records where each counter sits after the heap moved some. The heap is a few dozen
// entries, and the moved ones are what the swap callback reports.
func (sh *shard) fixIndex() {
	for _, i := range sh.heap.moved {
		sh.index[sh.heap.items[i].tenant] = i
	}
	sh.heap.moved = sh.heap.moved[:0]
}

// top merges the shards: each tenant lives in exactly one, so the union is the whole summary.
func (s *spaceSaving) top(k int) []TopEntry {
	var all []TopEntry
	var total float64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		total += sh.total
		for _, c := range sh.heap.items {
			all = append(all, TopEntry{Tenant: c.tenant.String(), Value: c.value, Error: c.error})
		}
		sh.mu.Unlock()
	}
	slices.SortFunc(all, func(a, b TopEntry) int {
		switch {
		case a.Value > b.Value:
			return -1
		case a.Value < b.Value:
			return 1
		}
		return 0
	})
	all = all[:min(k, len(all))]
	rest := total
	for _, e := range all {
		rest -= e.Value
	}
	// Overestimates of the named tenants can exceed what the others really did.
	return append(all, TopEntry{Tenant: Other, Value: max(rest, 0)})
}

// counterHeap is a min-heap of counters that notes the positions it writes, for the index.
type counterHeap struct {
	items []counter
	moved []int
}

func (h *counterHeap) Len() int           { return len(h.items) }
func (h *counterHeap) Less(i, j int) bool { return h.items[i].value < h.items[j].value }
func (h *counterHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.moved = append(h.moved, i, j)
}
func (h *counterHeap) Push(x any) {
	c, _ := x.(counter)
	h.items = append(h.items, c)
	h.moved = append(h.moved, len(h.items)-1)
}
func (h *counterHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}
