package tag

import "testing"

// TestHospitalRules has a row for each rule of hospitals.go (findHospitals,
// medicalCentre, findWelshHospitals, hospitalStart, onlyDescriptors,
// addHospital) and of nameStart as hospitals use it. Places and trusts are
// listed too, so that rows can show what a name is when it is not a
// hospital.
func TestHospitalRules(t *testing.T) {
	runRows(t, []Kind{Hospital, Place, Trust}, []entRow{
		// capitalised words before a head word
		{rule: "head: the name before Hospital, with connectors and descriptors",
			text: "Staff at Dewsbury and District Hospital were told.",
			want: []Entity{at(Hospital, "Dewsbury and District Hospital", "Dewsbury and District Hospital", 9)}},
		{rule: "head: Infirmary",
			text: "Staff at Royal Victoria Infirmary were told.",
			want: []Entity{at(Hospital, "Royal Victoria Infirmary", "Royal Victoria Infirmary", 9)}},
		{rule: "head: possessives, a trailing apostrophe and 'St.' inside the name",
			text: "Staff at Guy's Hospital, St Thomas' Hospital and St. Thomas' Hospital were told.",
			want: []Entity{at(Hospital, "Guy's Hospital", "Guy's Hospital", 9),
				at(Hospital, "St Thomas' Hospital", "St Thomas' Hospital", 25),
				at(Hospital, "St. Thomas' Hospital", "St. Thomas' Hospital", 49)}},
		{rule: "head: a lower-case head word names nothing",
			text: "Staff at Rugby's hospital and at the hospital were told.",
			want: []Entity{at(Place, "Rugby", "Rugby", 9)}},
		{rule: "head: descriptors alone name no hospital",
			text: "Staff at the General Hospital and the Hospital were told."},
		{rule: "head: not a head word inside a trust's name",
			text: "Staff at Royal Orthopaedic Hospital NHS Foundation Trust were told.",
			want: []Entity{at(Trust, "Royal Orthopaedic Hospital NHS Foundation Trust", "Royal Orthopaedic Hospital NHS Foundation Trust", 9)}},
		{rule: "head: nameText writes a headline's capitals in title case",
			text: "ADDENBROOKE'S Hospital is to cut jobs.",
			want: []Entity{at(Hospital, "Addenbrooke's Hospital", "ADDENBROOKE'S Hospital", 0)}},
		{rule: "head: a lower-case word between hyphens is part of the name",
			text: "Staff at Weston-super-Mare General Hospital were told.",
			want: []Entity{at(Hospital, "Weston-super-Mare General Hospital", "Weston-super-Mare General Hospital", 9)}},

		// the name after the head word
		{rule: "descriptors, head, place",
			text: "Staff at University Hospital Coventry and the Hospital of St Cross were told.",
			want: []Entity{at(Hospital, "University Hospital Coventry", "University Hospital Coventry", 9),
				at(Hospital, "Hospital of St Cross", "Hospital of St Cross", 46)}},
		{rule: "descriptors, head, place: not when the place goes on into another name",
			text: "Staff at University Hospital Coventry Road were told."},
		{rule: "head of name: descriptors before the head belong to the name",
			text: "Staff at the Royal Infirmary of Edinburgh were told.",
			want: []Entity{at(Hospital, "Royal Infirmary of Edinburgh", "Royal Infirmary of Edinburgh", 13)}},
		{rule: "head of name: the full stop of 'St.' is inside the name",
			text: "Staff at the Hospital of St. Cross were told.",
			want: []Entity{at(Hospital, "Hospital of St. Cross", "Hospital of St. Cross", 13)}},

		// medicalCentre
		{rule: "medical centre: a possessive shows a hospital",
			text: "Staff at Queen's Medical Centre were told.",
			want: []Entity{at(Hospital, "Queen's Medical Centre", "Queen's Medical Centre", 9)}},
		{rule: "medical centre: so do University and Royal",
			text: "Staff at University Medical Centre and Royal Medical Centre were told.",
			want: []Entity{at(Hospital, "University Medical Centre", "University Medical Centre", 9),
				at(Hospital, "Royal Medical Centre", "Royal Medical Centre", 39)}},
		{rule: "medical centre: a GP surgery's name or lower case is no hospital",
			text: "Staff at Hillside Medical Centre and at Queen's medical centre were told."},
		{rule: "medical centre: the sign must come before any lower-case word",
			text: "University students at Hillside Medical Centre were told."},
		{rule: "medical centre: the sign must be within four words of Medical",
			text: "Staff at Royal Park Lane Queen Anne Medical Centre were told."},

		// findWelshHospitals
		{rule: "Welsh: Ysbyty before the name, hyphens included",
			text: "Staff at Ysbyty Gwynedd, Ysbyty Glan Clwyd and Ysbyty Ystrad-Fawr were told.",
			want: []Entity{at(Hospital, "Ysbyty Gwynedd", "Ysbyty Gwynedd", 9),
				at(Hospital, "Ysbyty Glan Clwyd", "Ysbyty Glan Clwyd", 25),
				at(Hospital, "Ysbyty Ystrad-Fawr", "Ysbyty Ystrad-Fawr", 47)}},
		{rule: "Welsh: Ysbyty alone names nothing",
			text: "Staff at Ysbyty were told."},

		// hospitalStart: a possessive before the name
		{rule: "possessive place before the name is left out (and is a place)",
			text: "Staff at Taunton's Musgrove Park Hospital were told.",
			want: []Entity{at(Place, "Taunton", "Taunton", 9), at(Hospital, "Musgrove Park Hospital", "Musgrove Park Hospital", 19)}},
		{rule: "possessive that is not a place is part of the name",
			text: "Staff at King's Mill Hospital were told.",
			want: []Entity{at(Hospital, "King's Mill Hospital", "King's Mill Hospital", 9)}},
		{rule: "possessive place before descriptors only is kept: it names the hospital",
			text: "Staff at Taunton's General Hospital were told.",
			want: []Entity{at(Hospital, "Taunton's General Hospital", "Taunton's General Hospital", 9)}},

		// nameStart: 'and' between two names
		{rule: "and: after a head word, two hospitals",
			text: "Staff at Dewsbury and District Hospital and Royal Victoria Infirmary were told.",
			want: []Entity{at(Hospital, "Dewsbury and District Hospital", "Dewsbury and District Hospital", 9),
				at(Hospital, "Royal Victoria Infirmary", "Royal Victoria Infirmary", 44)}},
		{rule: "and: after Medical Centre, two hospitals",
			text: "Staff at Queen's Medical Centre and Nottingham City Hospital were told.",
			want: []Entity{at(Hospital, "Queen's Medical Centre", "Queen's Medical Centre", 9),
				at(Hospital, "Nottingham City Hospital", "Nottingham City Hospital", 36)}},
		{rule: "and: after 'in <place>', a place and a hospital",
			text: "West Cornwall Hospital in Penzance and St Michael's Hospital in Hayle.",
			want: []Entity{at(Hospital, "West Cornwall Hospital", "West Cornwall Hospital", 0),
				at(Place, "Penzance", "Penzance", 26),
				at(Hospital, "St Michael's Hospital", "St Michael's Hospital", 39),
				at(Place, "Hayle", "Hayle", 64)}},
	})
}
