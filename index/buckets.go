package index

// Bucket is one range of a numeric facet. Min and Max are inclusive; a nil
// bound is open. Values are whole numbers (pounds, jobs), so inclusive bounds
// are exact and a client can filter by a bucket with min and max as given.
type Bucket struct {
	Key   string // term stored in the *_range field
	Label string // human-readable name
	Min   *int64
	Max   *int64
}

// Contains reports whether v falls in b.
func (b Bucket) Contains(v int64) bool {
	return (b.Min == nil || v >= *b.Min) && (b.Max == nil || v <= *b.Max)
}

func ptr(v int64) *int64 { return &v }

// AmountBuckets are the ranges of the money facet, in pounds.
var AmountBuckets = []Bucket{
	{Key: "lt1m", Label: "under £1m", Max: ptr(999_999)},
	{Key: "1m-10m", Label: "£1m–£10m", Min: ptr(1_000_000), Max: ptr(9_999_999)},
	{Key: "10m-50m", Label: "£10m–£50m", Min: ptr(10_000_000), Max: ptr(49_999_999)},
	{Key: "50m-100m", Label: "£50m–£100m", Min: ptr(50_000_000), Max: ptr(99_999_999)},
	{Key: "100m-1bn", Label: "£100m–£1bn", Min: ptr(100_000_000), Max: ptr(999_999_999)},
	{Key: "ge1bn", Label: "£1bn and over", Min: ptr(1_000_000_000)},
}

// JobsBuckets are the ranges of the job-count facet.
var JobsBuckets = []Bucket{
	{Key: "1-49", Label: "1–49", Max: ptr(49)},
	{Key: "50-99", Label: "50–99", Min: ptr(50), Max: ptr(99)},
	{Key: "100-249", Label: "100–249", Min: ptr(100), Max: ptr(249)},
	{Key: "250-499", Label: "250–499", Min: ptr(250), Max: ptr(499)},
	{Key: "500-999", Label: "500–999", Min: ptr(500), Max: ptr(999)},
	{Key: "ge1000", Label: "1,000 and over", Min: ptr(1000)},
}

// bucketKeys returns the keys of the buckets that contain any of vals, each
// once, in bucket order.
func bucketKeys(buckets []Bucket, vals []int64) []string {
	var keys []string
	for _, b := range buckets {
		for _, v := range vals {
			if b.Contains(v) {
				keys = append(keys, b.Key)
				break
			}
		}
	}
	return keys
}
