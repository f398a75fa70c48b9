package tag

// Kind names the type of an entity. Its string form is used in JSON and as
// the name of the index field that holds the entity's values; package
// schema says how each kind is indexed, filtered and shown.
type Kind string

// The kinds of entity the tagger reports.
const (
	Trust    Kind = "trust"    // NHS organisation: trust, PCT, SHA, health board, ICB, NHS England
	Union    Kind = "union"    // trade union or professional body acting for staff
	Amount   Kind = "amount"   // money in pounds; Value is integer pounds in decimal
	Jobs     Kind = "jobs"     // a stated count of jobs/posts/staff cut or at risk
	Person   Kind = "person"   // a person's full name
	Place    Kind = "place"    // town, city, county or region outside an organisation's name
	Hospital Kind = "hospital" // a named hospital
)

// Entity is one mention of an entity in an article.
//
// Text is exactly text[Start:End] (byte offsets into the article), so a UI
// can highlight it; Value is the canonical value shared by every mention of
// the same entity ("Mr Ladbrooke" and "Mark Ladbrooke" both have Value
// "Mark Ladbrooke"). For Amount and Jobs, Value is the integer in decimal and
// Number holds it as a number.
type Entity struct {
	Type   Kind   `json:"type"`
	Value  string `json:"value"`
	Number int64  `json:"number,omitempty"`
	Text   string `json:"text"`
	Start  int    `json:"start"`
	End    int    `json:"end"`
}
