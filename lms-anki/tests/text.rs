//! Anki's text notes format: reading files as Anki's importer does, writing them as its
//! exporter does, round trips, and files that must be refused.

use lms_anki::{
    read_apkg, read_text, write_apkg, write_text, AnkiError, DeckInfo, Field, Limits, Note, NoteType, NoteTypeKind,
    Package, Separator, SkippedRow, Template, TextImport, TextOptions,
};
use proptest::prelude::*;

fn read(text: &str) -> TextImport {
    read_text(text.as_bytes(), &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn read_err(text: &str) -> AnkiError {
    match read_text(text.as_bytes(), &Limits::default()) {
        Ok(import) => panic!("read, but should fail: {import:?}"),
        Err(e) => e,
    }
}

fn values(note: &Note) -> Vec<(&str, &str)> {
    note.fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect()
}

fn note(guid: &str, note_type: &str, deck: Option<&str>, fields: &[(&str, &str)], tags: &[&str]) -> Note {
    Note {
        guid: guid.to_owned(),
        note_type: note_type.to_owned(),
        deck: deck.map(str::to_owned),
        fields: fields
            .iter()
            .map(|(name, value)| Field {
                name: (*name).to_owned(),
                value: (*value).to_owned(),
            })
            .collect(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
    }
}

fn note_type(name: &str, fields: &[&str]) -> NoteType {
    NoteType {
        name: name.to_owned(),
        kind: NoteTypeKind::Standard,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        templates: vec![Template {
            name: "Card 1".to_owned(),
            front: format!("{{{{{}}}}}", fields[0]),
            back: "{{FrontSide}}".to_owned(),
        }],
        css: String::new(),
    }
}

#[test]
fn plain_two_column_csv() {
    let import = read("bonjour,hello\nmerci,thank you\r\n\n");
    assert!(import.skipped.is_empty());
    let package = &import.package;
    assert_eq!(package.notes.len(), 2);
    assert_eq!(values(&package.notes[0]), [("Front", "bonjour"), ("Back", "hello")]);
    assert_eq!(values(&package.notes[1]), [("Front", "merci"), ("Back", "thank you")]);
    for note in &package.notes {
        assert_eq!(note.note_type, "Basic");
        assert_eq!(note.deck, None);
        assert!(note.tags.is_empty());
        assert_eq!(note.guid.len(), 16);
    }
    assert_ne!(package.notes[0].guid, package.notes[1].guid);
    assert_eq!(package.note_types.len(), 1);
    let basic = &package.note_types[0];
    assert_eq!(basic.name, "Basic");
    assert_eq!(basic.kind, NoteTypeKind::Standard);
    assert_eq!(basic.fields, ["Front", "Back"]);
    assert_eq!(basic.templates.len(), 1);
    assert_eq!(basic.templates[0].front, "{{Front}}");
    assert_eq!(basic.templates[0].back, "{{FrontSide}}<hr id=answer>{{Back}}");
    assert!(package.decks.is_empty() && package.media.is_empty() && package.reviews.is_empty());

    // The same file gives the same guids; other content other guids.
    assert_eq!(read("bonjour,hello\n").package.notes[0].guid, package.notes[0].guid);
    assert_ne!(read("bonjour,hi\n").package.notes[0].guid, package.notes[0].guid);
    // Identical rows still get distinct guids.
    let twice = read("a,b\na,b\n").package;
    assert_ne!(twice.notes[0].guid, twice.notes[1].guid);
}

#[test]
fn separator_is_detected_from_the_first_row() {
    let semicolon = read("un;one, uno\ndeux;two, dos\n").package;
    assert_eq!(values(&semicolon.notes[0]), [("Front", "un"), ("Back", "one, uno")]);
    let tab = read("un\tone; uno, eins\n").package;
    assert_eq!(values(&tab.notes[0]), [("Front", "un"), ("Back", "one; uno, eins")]);
    let one_column = read("just a front\n").package;
    assert_eq!(values(&one_column.notes[0]), [("Front", "just a front")]);
    assert_eq!(one_column.note_types[0].templates[0].back, "{{FrontSide}}");
}

#[test]
fn tsv_with_all_headers() {
    let text = "\u{feff}#separator:Tab\n\
                #html:false\n\
                #tags:imported\n\
                #notetype:Vocabulary\n\
                #deck:French\n\
                #deck column:1\n\
                #tags column:5\n\
                #if matches:update current\n\
                #some future header:ignored\n\
                #columns:Deck\tWord\tMeaning\tExample\tTags\n\
                Course::Week 1\tchat\tcat\tLe <chat> & \"le\" chien\tanimal noun\n\
                # a comment line after the headers\n\
                \tchien\tdog\t\"Un chien\nqui aboie\"\tanimal imported\n";
    let import = read(text);
    assert!(import.skipped.is_empty());
    let package = import.package;
    assert_eq!(package.notes.len(), 2);
    let (cat, dog) = (&package.notes[0], &package.notes[1]);
    assert_eq!(cat.note_type, "Vocabulary");
    assert_eq!(cat.deck.as_deref(), Some("Course::Week 1"));
    assert_eq!(
        values(cat),
        [
            ("Word", "chat"),
            ("Meaning", "cat"),
            ("Example", "Le &lt;chat&gt; &amp; &quot;le&quot; chien")
        ]
    );
    assert_eq!(cat.tags, ["animal", "noun", "imported"]);
    // An empty deck cell falls back to #deck:.
    assert_eq!(dog.deck.as_deref(), Some("French"));
    assert_eq!(values(dog)[2], ("Example", "Un chien<br>qui aboie"));
    assert_eq!(dog.tags, ["animal", "imported"]);
    assert_eq!(package.note_types.len(), 1);
    assert_eq!(package.note_types[0].fields, ["Word", "Meaning", "Example"]);
    assert_eq!(
        package.note_types[0].templates[0].back,
        "{{FrontSide}}<hr id=answer>{{Meaning}}"
    );
    let decks: Vec<&str> = package.decks.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(decks, ["Course", "Course::Week 1", "French"]);
}

#[test]
fn columns_header_names_meta_columns() {
    let text = "#separator:comma\n\
                #html:true\n\
                #columns:GUID,Notetype,Front,Back,Tags\n\
                abc,Basic,<b>Q</b>,A,t1 t2\n\
                def,Cloze,{{c1::Paris}} is in France,,\n";
    let package = read(text).package;
    assert_eq!(package.notes[0].guid, "abc");
    assert_eq!(values(&package.notes[0]), [("Front", "<b>Q</b>"), ("Back", "A")]);
    assert_eq!(package.notes[0].tags, ["t1", "t2"]);
    assert_eq!(package.notes[1].note_type, "Cloze");
    let cloze = package
        .note_types
        .iter()
        .find(|nt| nt.name == "Cloze")
        .expect("cloze type");
    assert_eq!(cloze.kind, NoteTypeKind::Cloze);
    assert_eq!(cloze.templates[0].front, "{{cloze:Front}}");
}

#[test]
fn read_text_gives_packages_write_apkg_takes() {
    let text = "#separator:tab\n#notetype column:1\n#deck column:2\n#tags column:5\n\
                Basic\tFrench::Verbs\têtre\tto be\tverb\n\
                Cloze\tGeography\t{{c1::Paris}} is the capital of {{c2::France}}\tEurope\t\n";
    let package = read(text).package;
    assert_eq!(package.note_types[1].kind, NoteTypeKind::Cloze);
    let back = read_apkg(&write_apkg(&package).expect("apkg written"), &Limits::default()).expect("apkg read");
    assert_eq!(back.notes, package.notes);
}

#[test]
fn legacy_tags_line_and_literal_separator() {
    let package = read("tags:old style\n#separator:|\na|b,c\n").package;
    assert_eq!(values(&package.notes[0]), [("Front", "a"), ("Back", "b,c")]);
    assert_eq!(package.notes[0].tags, ["old", "style"]);
}

#[test]
fn quoted_fields_with_separators_quotes_and_newlines() {
    let text = "\"a, b\",\"she said \"\"hi\"\"\"\n\"line one\nline two\",\"x\"\"y\"\nplain,last\n";
    let import = read(text);
    let notes = &import.package.notes;
    assert_eq!(notes.len(), 3);
    assert_eq!(values(&notes[0]), [("Front", "a, b"), ("Back", "she said \"hi\"")]);
    assert_eq!(values(&notes[1]), [("Front", "line one\nline two"), ("Back", "x\"y")]);
    assert_eq!(values(&notes[2]), [("Front", "plain"), ("Back", "last")]);

    // A row spanning lines is reported by the line it starts on.
    let err = read_err("a,b\n\"c\nd\",e\nf\n");
    assert!(matches!(err, AnkiError::InvalidText { line: 4, .. }), "{err}");
}

/// Two note types (one with three fields), decks, tags, HTML, non-ASCII text.
fn two_types() -> Package {
    Package {
        notes: vec![
            note(
                "g1",
                "LMS Basic",
                Some("Course::Week 1"),
                &[
                    ("Question", "<b>Bonjour</b> &amp; \"salut\""),
                    ("Answer", "Hello,\tworld\nagain"),
                ],
                &["french", "level::a1"],
            ),
            note(
                "#g2",
                "LMS Triple",
                None,
                &[("Kanji", "犬"), ("Reading", "いぬ"), ("Meaning", "dog; hound")],
                &[],
            ),
            note(
                "g3",
                "LMS Basic",
                Some("Course"),
                &[("Question", "x"), ("Answer", "")],
                &["日本語"],
            ),
        ],
        note_types: vec![
            note_type("LMS Basic", &["Question", "Answer"]),
            note_type("LMS Triple", &["Kanji", "Reading", "Meaning"]),
        ],
        decks: vec![DeckInfo {
            name: "Course".to_owned(),
            description: String::new(),
        }],
        media: Vec::new(),
        reviews: Vec::new(),
    }
}

#[test]
fn round_trip_with_two_note_types() {
    let package = two_types();
    for separator in [
        Separator::Tab,
        Separator::Comma,
        Separator::Semicolon,
        Separator::Space,
        Separator::Pipe,
        Separator::Colon,
    ] {
        let options = TextOptions { separator, html: true };
        let bytes = write_text(&package, &options).expect("written");
        let text = String::from_utf8(bytes.clone()).expect("UTF-8");
        let import = read_text(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(import.skipped.is_empty(), "{separator:?}");
        assert_eq!(import.package.notes, package.notes, "{separator:?}\n{text}");
        let fields: Vec<&Vec<String>> = import.package.note_types.iter().map(|nt| &nt.fields).collect();
        assert_eq!(fields, [&package.note_types[0].fields, &package.note_types[1].fields]);
    }
}

#[test]
fn written_headers_are_anki_s() {
    let text = String::from_utf8(write_text(&two_types(), &TextOptions::default()).expect("written")).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..8],
        [
            "#separator:tab",
            "#html:true",
            "#guid column:1",
            "#notetype column:2",
            "#deck column:3",
            "#tags column:7",
            "#notetype fields:LMS Basic\tQuestion\tAnswer",
            "#notetype fields:LMS Triple\tKanji\tReading\tMeaning",
        ]
    );
    // Padded to the widest note type, as Anki's exporter does; '#' is quoted so that the
    // row is no comment.
    assert!(
        text.contains("\n\"#g2\"\tLMS Triple\t\t犬\tいぬ\tdog; hound\t\n"),
        "{text}"
    );
    assert!(text.contains("\ng3\tLMS Basic\tCourse\tx\t\t\t日本語\n"), "{text}");

    // One note type: #notetype: and #columns: name it all.
    let mut single = two_types();
    single.notes.retain(|n| n.note_type == "LMS Basic");
    let text = String::from_utf8(write_text(&single, &TextOptions::default()).expect("written")).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..7],
        [
            "#separator:tab",
            "#html:true",
            "#notetype:LMS Basic",
            "#guid column:1",
            "#deck column:2",
            "#tags column:5",
            "#columns:guid\tdeck\tQuestion\tAnswer\ttags",
        ]
    );
    let back = read(&text).package;
    assert_eq!(back.notes, single.notes);
}

#[test]
fn plain_text_round_trip() {
    let package = two_types();
    let options = TextOptions {
        separator: Separator::Comma,
        html: false,
    };
    let bytes = write_text(&package, &options).expect("written");
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert!(text.starts_with("#separator:comma\n#html:false\n"), "{text}");
    // Entities as characters, <br> as a line break; other markup as it is.
    assert!(text.contains("<b>Bonjour</b> & \"\"salut\"\""), "{text}");
    let back = read(&text).package;
    assert_eq!(
        back.notes[0].fields[0].value,
        "&lt;b&gt;Bonjour&lt;/b&gt; &amp; &quot;salut&quot;"
    );
    assert_eq!(back.notes[0].fields[1].value, "Hello,\tworld<br>again");
    assert_eq!(back.notes[1..], package.notes[1..]);
}

#[test]
fn wrong_column_count_names_the_line() {
    let err = read_err("a,b\nc,d\n\n# comment\ne,f,g\n");
    assert!(matches!(err, AnkiError::InvalidText { line: 5, .. }), "{err}");
    assert!(err.to_string().contains("line 5"), "{err}");
    assert!(err.to_string().contains("3 field columns"), "{err}");
    assert!(err.is_invalid_input());
    let err = read_err("a,b\r\nc,d\r\n\r\n# comment\r\n\"e\r\n\",f,g\r\n");
    assert!(matches!(err, AnkiError::InvalidText { line: 5, .. }), "{err}");

    let err = read_err("#columns:Front,Back\n#separator:,\na,b,c\n");
    assert!(matches!(err, AnkiError::InvalidText { line: 3, .. }), "{err}");

    // Several note types: each has its own width.
    let package = read("#notetype column:1\nBasic,a,b\nOther,c,d,e\nBasic,f,g\n").package;
    assert_eq!(package.note_types[1].fields, ["Front", "Back", "Field 3"]);
    let err = read_err("#notetype column:1\nBasic,a,b\nOther,c,d,e\nOther,f,g\n");
    assert!(matches!(err, AnkiError::InvalidText { line: 4, .. }), "{err}");
}

#[test]
fn bad_headers_name_the_line() {
    for (text, line) in [
        ("#separator:Tab\n#html:maybe\na\tb\n", 2),
        ("#separator:x\na,b\n", 1),
        ("#html:true\n#tags column:zero\na,b\n", 2),
        ("#tags column:0\na,b\n", 1),
        ("#tags column:2\n#deck column:2\na,b\n", 2),
        ("#notetype:\na,b\n", 1),
        ("#separator:comma\n#columns:Front,Front\na,b\n", 2),
        ("#separator:comma\n#columns:Fr:ont,Back\na,b\n", 2),
    ] {
        let err = read_err(text);
        assert!(
            matches!(&err, AnkiError::InvalidText { line: l, .. } if *l == line),
            "{text:?}: {err}"
        );
    }
}

#[test]
fn non_utf8_is_refused() {
    let bytes = b"a,b\nc,\xe9t\xe9\n";
    let err = read_text(bytes, &Limits::default()).expect_err("latin-1 refused");
    assert!(matches!(err, AnkiError::InvalidText { line: 2, .. }), "{err}");
    assert!(err.to_string().contains("byte offset 6"), "{err}");
}

#[test]
fn empty_first_field_is_skipped_and_reported() {
    let import = read("a,b\n,orphan back\n,\n\"\"\nc,d\n");
    let fronts: Vec<&str> = import
        .package
        .notes
        .iter()
        .map(|n| n.fields[0].value.as_str())
        .collect();
    assert_eq!(fronts, ["a", "c"]);
    assert_eq!(import.skipped.len(), 1);
    assert_eq!(import.skipped[0].line, 2);
    assert!(import.skipped[0].reason.contains("first field is empty"));

    // A guid seen before: Anki's "appeared twice in file".
    let import = read("#guid column:1\nx,a,b\nx,c,d\n");
    assert_eq!(import.package.notes.len(), 1);
    assert_eq!(
        import.skipped,
        [SkippedRow {
            line: 3,
            reason: "guid \"x\" is already that of the note on line 2".to_owned()
        }]
    );
}

#[test]
fn files_without_notes_are_refused() {
    for text in [
        "",
        "\n\n",
        "#separator:tab\n#html:true\n",
        "# only a comment\n",
        ",\n\"\"\n",
    ] {
        assert!(matches!(read_err(text), AnkiError::NoNotes { skipped: 0 }), "{text:?}");
    }
    assert!(matches!(read_err(",b\n"), AnkiError::NoNotes { skipped: 1 }));
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_notes: 2,
        ..Limits::default()
    };
    assert!(read_text(b"a,b\nc,d\n", &limits).is_ok());
    let err = read_text(b"a,b\nc,d\ne,f\n", &limits).expect_err("three notes");
    assert!(matches!(err, AnkiError::TooManyNotes { limit: 2 }), "{err}");

    let limits = Limits {
        max_package_bytes: 8,
        ..Limits::default()
    };
    let err = read_text(b"a,b\nc,d\ne,f\n", &limits).expect_err("too large");
    assert!(
        matches!(err, AnkiError::PackageTooLarge { size: 12, limit: 8 }),
        "{err}"
    );
}

#[test]
fn write_refuses_what_would_not_read_back() {
    let options = TextOptions::default();
    let mut package = two_types();
    package.notes[0].tags.push("two words".to_owned());
    assert!(matches!(
        write_text(&package, &options),
        Err(AnkiError::InvalidPackage { .. })
    ));

    let mut package = two_types();
    package.notes[1].guid = "g1".to_owned();
    assert!(matches!(
        write_text(&package, &options),
        Err(AnkiError::InvalidPackage { .. })
    ));

    let mut package = two_types();
    package.notes[0].note_type = "Missing".to_owned();
    assert!(matches!(
        write_text(&package, &options),
        Err(AnkiError::InvalidPackage { .. })
    ));

    let mut package = two_types();
    package.note_types[0].fields[0] = "Que\nstion".to_owned();
    package.notes[0].fields[0].name = "Que\nstion".to_owned();
    package.notes[2].fields[0].name = "Que\nstion".to_owned();
    assert!(matches!(
        write_text(&package, &options),
        Err(AnkiError::InvalidPackage { .. })
    ));

    let mut package = two_types();
    package.notes[0].deck = Some("Course::".to_owned());
    assert!(matches!(
        write_text(&package, &options),
        Err(AnkiError::InvalidPackage { .. })
    ));
}

#[test]
fn arbitrary_bytes_never_panic() {
    let inputs: [&[u8]; 8] = [
        b"\"unterminated\nquote",
        b"#columns:\"\n",
        b"#notetype fields:\n",
        b"#notetype column:1\n,,\n",
        b"#guid column:1\n#columns:a\nx\n",
        b"\xef\xbb\xbf",
        b"\r\r\r",
        b"#tags column:999999999999999999999999\n",
    ];
    for bytes in inputs {
        let _ = read_text(bytes, &Limits::default());
    }
}

fn field_text() -> impl Strategy<Value = String> {
    // Separators, quotes, line breaks, '#', HTML-ish text and non-ASCII.
    proptest::string::string_regex("[a-zA-Z0-9 ,;:|\t\"'#<>&\n\r\\-é日本🙂]{0,12}").expect("valid regex")
}

fn front_text() -> impl Strategy<Value = String> {
    (
        proptest::string::string_regex("[a-z日]{1,3}").expect("valid regex"),
        field_text(),
    )
        .prop_map(|(a, b)| a + &b)
}

fn separator() -> impl Strategy<Value = Separator> {
    prop_oneof![
        Just(Separator::Tab),
        Just(Separator::Comma),
        Just(Separator::Semicolon),
        Just(Separator::Space),
        Just(Separator::Pipe),
        Just(Separator::Colon),
    ]
}

/// The HTML Anki's importer makes of plain text, for the plain-text round trip.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('\n', "<br>")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_fields_round_trip(
        rows in proptest::collection::vec((front_text(), field_text(), field_text(), any::<bool>()), 1..6),
        separator in separator(),
        html in any::<bool>(),
    ) {
        let mut package = Package {
            note_types: vec![note_type("Two", &["Front", "Back"]), note_type("Three", &["A", "B", "C"])],
            ..Package::default()
        };
        for (i, (front, back, extra, three)) in rows.into_iter().enumerate() {
            let (front, back, extra) = if html {
                (front, back, extra)
            } else {
                (escape(&front), escape(&back), escape(&extra))
            };
            let guid = format!("guid{i}");
            package.notes.push(if three {
                note(&guid, "Three", Some("Deck::Sub"), &[("A", &front), ("B", &back), ("C", &extra)], &["t"])
            } else {
                note(&guid, "Two", None, &[("Front", &front), ("Back", &back)], &[])
            });
        }
        let bytes = write_text(&package, &TextOptions { separator, html }).expect("written");
        let import = read_text(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
        prop_assert!(import.skipped.is_empty());
        prop_assert_eq!(&import.package.notes, &package.notes, "{}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(#[a-z ]{0,12}:[a-z0-9,; \t]{0,6}\n){0,3}[a-z,;\t\"\n#]{0,40}") {
        let _ = read_text(text.as_bytes(), &Limits::default());
    }
}
