package index

import (
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Names of the fields of an indexed article. The entity fields are named
// after the tagger's kinds (tag.Kind), so a kind's string is its field.
const (
	FieldTitle     = "title"
	FieldText      = "text"
	FieldURL       = "url"
	FieldPublished = "published"
	FieldTrust     = "trust"
	FieldUnion     = "union"
	FieldPerson    = "person"
	FieldPlace     = "place"
	FieldHospital  = "hospital"
	FieldAmount    = "amount"
	FieldJobs      = "jobs"
	// FieldAmountRange and FieldJobsRange hold the keys of the buckets
	// (AmountBuckets, JobsBuckets) that an article's amounts and job counts
	// fall in, once per bucket. bleve's numeric range facets count values,
	// not documents, so an article with two amounts in one bucket would be
	// counted twice; a keyword facet over these fields counts articles.
	FieldAmountRange = "amount_range"
	FieldJobsRange   = "jobs_range"
	// FieldEntities holds the article's entities with offsets as a JSON
	// array. It is stored for the article view, not indexed.
	FieldEntities = "entities"
)

// KeywordFields lists the entity fields that hold exact canonical names:
// they are the term facets and filters of package search.
var KeywordFields = []string{FieldTrust, FieldUnion, FieldPerson, FieldPlace, FieldHospital}

// NumericFields lists the multi-valued numeric entity fields.
var NumericFields = []string{FieldAmount, FieldJobs}

// mappingVersion changes whenever NewMapping or the document layout changes
// in a way that needs a rebuild; Open refuses an index of another version.
const mappingVersion = "cutwatch-mapping-1"

// NewMapping returns the bleve mapping of cutwatch articles.
//
// title and text use the English analyzer (lower case, stop words, possessive
// removal, Porter stemming), and so does the composite _all field that a
// query without a field prefix searches: the index mapping's DefaultAnalyzer
// is the one bleve uses to analyse such queries, so it must be "en" too or a
// stemmed index never matches an unstemmed query term ("redundancy" would not
// find "redundancies"). Entity fields are exact keywords with doc values for
// facets and are kept out of _all; numbers are numeric fields for ranges and
// sorting.
func NewMapping() mapping.IndexMapping {
	text := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = true
		f.IncludeTermVectors = true // phrases and highlighting
		f.IncludeInAll = true
		f.DocValues = false
		return f
	}
	keywordField := func(store bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.DocValues = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		// A filter term then scores the same in every article, so filters
		// do not reorder results by how many entities an article has.
		f.SkipFreqNorm = true
		return f
	}
	numeric := func() *mapping.FieldMapping {
		f := mapping.NewNumericFieldMapping()
		f.Store = true
		f.DocValues = true
		f.IncludeInAll = false
		return f
	}

	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(FieldTitle, text())
	doc.AddFieldMappingsAt(FieldText, text())

	url := mapping.NewKeywordFieldMapping()
	url.Store = true
	url.IncludeInAll = false
	url.DocValues = false
	doc.AddFieldMappingsAt(FieldURL, url)

	published := mapping.NewDateTimeFieldMapping()
	published.Store = true
	published.DocValues = true
	published.IncludeInAll = false
	doc.AddFieldMappingsAt(FieldPublished, published)

	for _, name := range KeywordFields {
		doc.AddFieldMappingsAt(name, keywordField(true))
	}
	for _, name := range NumericFields {
		doc.AddFieldMappingsAt(name, numeric())
	}
	doc.AddFieldMappingsAt(FieldAmountRange, keywordField(false))
	doc.AddFieldMappingsAt(FieldJobsRange, keywordField(false))

	ents := mapping.NewTextFieldMapping()
	ents.Index = false
	ents.Store = true
	ents.IncludeInAll = false
	ents.DocValues = false
	ents.IncludeTermVectors = false
	doc.AddFieldMappingsAt(FieldEntities, ents)

	im := mapping.NewIndexMapping()
	im.DefaultMapping = doc
	im.DefaultAnalyzer = en.AnalyzerName
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im
}
