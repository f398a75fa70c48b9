package tag

// Summary holds the distinct canonical values of an article's entities, one
// list per kind, in order of first mention. Its JSON keys are those of the
// gold annotations (shared/gold/README.md), so tagger output and gold files
// can be compared directly.
type Summary struct {
	Trusts     []string `json:"trusts"`
	Unions     []string `json:"unions"`
	AmountsGBP []int64  `json:"amounts_gbp"`
	Jobs       []int64  `json:"jobs"`
	People     []string `json:"people"`
	Places     []string `json:"places"`
	Hospitals  []string `json:"hospitals"`
}

// Summarize collects the distinct values of ents by kind. Every list is
// non-nil so that JSON output shows [] rather than null.
func Summarize(ents []Entity) Summary {
	s := Summary{
		Trusts: []string{}, Unions: []string{}, AmountsGBP: []int64{}, Jobs: []int64{},
		People: []string{}, Places: []string{}, Hospitals: []string{},
	}
	seen := make(map[Entity]bool, len(ents))
	for _, e := range ents {
		key := Entity{Type: e.Type, Value: e.Value}
		if seen[key] {
			continue
		}
		seen[key] = true
		switch e.Type {
		case Trust:
			s.Trusts = append(s.Trusts, e.Value)
		case Union:
			s.Unions = append(s.Unions, e.Value)
		case Amount:
			s.AmountsGBP = append(s.AmountsGBP, e.Number)
		case Jobs:
			s.Jobs = append(s.Jobs, e.Number)
		case Person:
			s.People = append(s.People, e.Value)
		case Place:
			s.Places = append(s.Places, e.Value)
		case Hospital:
			s.Hospitals = append(s.Hospitals, e.Value)
		}
	}
	return s
}
