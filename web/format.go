package web

import (
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/cutwatch/cutwatch/index/schema"
)

// formatGBP writes an amount of pounds the way a news reader expects it:
// £20bn, £1.25bn, £55m, £6.5m, £500,000. Millions and billions keep at most
// two decimals, with trailing zeros dropped.
func formatGBP(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	// An amount that rounds to £1,000m is written £1bn.
	switch {
	case v >= 999_995_000:
		return sign + "£" + scaled(v, 1_000_000_000) + "bn"
	case v >= 1_000_000:
		return sign + "£" + scaled(v, 1_000_000) + "m"
	}
	return sign + "£" + groupThousands(v)
}

// scaled is v/unit with up to two decimals, trailing zeros removed, and
// thousands grouped in the whole part (£1,200bn).
func scaled(v, unit int64) string {
	hundredths := int64(math.Round(float64(v) / float64(unit) * 100))
	whole, frac := hundredths/100, hundredths%100
	s := groupThousands(whole)
	if frac != 0 {
		s += strings.TrimRight("."+pad2(frac), "0")
	}
	return s
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// groupThousands writes a non-negative n with commas: 1234567 → 1,234,567.
func groupThousands(n int64) string {
	return thousands.Sprint(n)
}

// thousands prints integers with British thousands separators.
var thousands = message.NewPrinter(language.BritishEnglish)

// formatJobs writes a job count: "1 job", "750 jobs", "1,200 jobs".
func formatJobs(n int64) string {
	if n == 1 {
		return "1 job"
	}
	if n < 0 {
		return "-" + groupThousands(-n) + " jobs"
	}
	return groupThousands(n) + " jobs"
}

// formatCount writes a non-negative count with thousands grouped.
func formatCount(n uint64) string {
	if n > math.MaxInt64 {
		return strconv.FormatUint(n, 10)
	}
	return groupThousands(int64(n))
}

// maxOf returns the largest of vs and whether there was one.
func maxOf(vs []int64) (int64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	m := vs[0]
	for _, v := range vs[1:] {
		m = max(m, v)
	}
	return m, true
}

// formatValue writes a value of the numeric kind k as its Format says.
func formatValue(k schema.Kind, n int64) string {
	switch k.Format {
	case schema.FormatMoney:
		return formatGBP(n)
	case schema.FormatJobs:
		return formatJobs(n)
	}
	return groupThousands(n)
}

// formatRange describes an inclusive range of the numeric kind k for a
// filter chip: "£55m", "£1m–£10m", "£1bn or more", "up to 49 jobs".
func formatRange(min, max *float64, k schema.Kind) string {
	f := func(v float64) string {
		n := int64(math.Round(v))
		if k.Format == schema.FormatMoney {
			return formatGBP(n)
		}
		return groupThousands(n)
	}
	unit := ""
	if k.Format == schema.FormatJobs {
		unit = " jobs"
	}
	switch {
	case min != nil && max != nil && *min == *max:
		return f(*min) + unit
	case min != nil && max != nil:
		return f(*min) + "–" + f(*max) + unit
	case min != nil:
		return f(*min) + unit + " or more"
	case max != nil:
		return "up to " + f(*max) + unit
	}
	return "any"
}
