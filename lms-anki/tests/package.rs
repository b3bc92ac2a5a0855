//! Reading and writing without the real Anki: round trips, and packages that must be
//! refused (zip bombs, truncated or damaged archives, unknown versions, over the limits).

use std::io::{Cursor, Write};

use lms_anki::{
    read_apkg, write_apkg, AnkiError, DeckInfo, Field, Limits, MediaFile, Note, NoteType, NoteTypeKind, Package,
    Review, ReviewKind, Template,
};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

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

fn review(guid: &str, card: u32, at: i64, rating: u8, interval: i64, kind: ReviewKind) -> Review {
    Review {
        note_guid: guid.to_owned(),
        card_ordinal: card,
        reviewed_at_ms: at,
        rating,
        interval,
        last_interval: -600,
        factor: 2500,
        duration_ms: 4_321,
        kind,
    }
}

/// Two note types (one cloze), HTML and non-ASCII text, tags, nested decks, binary
/// media and a review log.
fn sample() -> Package {
    Package {
        notes: vec![
            note(
                "lms-1",
                "LMS Basic",
                Some("Course::Week 1"),
                &[
                    ("Front", "<b>Bonjour</b> &amp; <img src=\"cat.png\">"),
                    ("Back", "Hello\nworld"),
                ],
                &["french", "level::a1"],
            ),
            note(
                "lms-2",
                "LMS Cloze",
                Some("Course"),
                &[
                    ("Text", "{{c1::Paris}} is the capital of {{c2::France}}"),
                    ("Extra", "[sound:paris.mp3]"),
                ],
                &[],
            ),
            note(
                "lms-3",
                "LMS Basic",
                Some("Course::Week 1"),
                &[("Front", "犬"), ("Back", "")],
                &["日本語"],
            ),
        ],
        note_types: vec![
            NoteType {
                name: "LMS Basic".to_owned(),
                kind: NoteTypeKind::Standard,
                fields: vec!["Front".to_owned(), "Back".to_owned()],
                templates: vec![
                    Template {
                        name: "Forward".to_owned(),
                        front: "{{Front}}".to_owned(),
                        back: "{{Back}}".to_owned(),
                    },
                    Template {
                        name: "Reverse".to_owned(),
                        front: "{{Back}}".to_owned(),
                        back: "{{Front}}".to_owned(),
                    },
                ],
                css: ".card { color: black; }".to_owned(),
            },
            NoteType {
                name: "LMS Cloze".to_owned(),
                kind: NoteTypeKind::Cloze,
                fields: vec!["Text".to_owned(), "Extra".to_owned()],
                templates: vec![Template {
                    name: "Cloze".to_owned(),
                    front: "{{cloze:Text}}".to_owned(),
                    back: "{{cloze:Text}}<br>{{Extra}}".to_owned(),
                }],
                css: String::new(),
            },
        ],
        decks: vec![
            DeckInfo {
                name: "Course".to_owned(),
                description: String::new(),
            },
            DeckInfo {
                name: "Course::Week 1".to_owned(),
                description: "The <i>first</i> week".to_owned(),
            },
        ],
        media: vec![
            MediaFile {
                name: "cat.png".to_owned(),
                bytes: (0..=255u8).chain([0x1f, 0xff]).collect(),
            },
            MediaFile {
                name: "paris.mp3".to_owned(),
                bytes: b"ID3\x00\x01".to_vec(),
            },
        ],
        reviews: vec![
            review("lms-1", 0, 1_700_000_000_000, 3, -600, ReviewKind::Learning),
            review("lms-2", 1, 1_700_000_000_000, 1, -60, ReviewKind::Learning),
            review("lms-1", 1, 1_700_000_100_000, 4, 4, ReviewKind::Review),
            review("lms-2", 0, 1_700_000_200_000, 0, 7, ReviewKind::Manual),
        ],
    }
}

fn sorted(mut package: Package) -> Package {
    package.note_types.sort_by(|a, b| a.name.cmp(&b.name));
    package
}

#[test]
fn written_package_reads_back_unchanged() {
    let original = sample();
    let bytes = write_apkg(&original).expect("writes");
    let mut read = read_apkg(&bytes, &Limits::default()).expect("reads");
    // Two reviews in one millisecond are written one millisecond apart (the log's id).
    let mut expected = original.clone();
    expected.reviews[1].reviewed_at_ms += 1;
    expected.reviews.sort_by_key(|r| r.reviewed_at_ms);
    read.reviews.sort_by_key(|r| r.reviewed_at_ms);
    assert_eq!(sorted(read), sorted(expected));
}

#[test]
fn written_package_has_the_legacy_layout() {
    let bytes = write_apkg(&sample()).expect("writes");
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).expect("a zip");
    let mut names: Vec<&str> = archive.file_names().collect();
    names.sort_unstable();
    assert_eq!(names, ["0", "1", "collection.anki21", "media", "meta"]);
    let mut meta = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("meta").expect("meta"), &mut meta).expect("reads");
    assert_eq!(meta, [0x08, 0x02]);
}

#[test]
fn a_note_without_deck_goes_to_the_default_deck() {
    let mut package = sample();
    package.notes[2].deck = None;
    let read = read_apkg(&write_apkg(&package).expect("writes"), &Limits::default()).expect("reads");
    assert_eq!(read.notes[2].deck.as_deref(), Some("Default"));
    assert!(read.decks.iter().any(|d| d.name == "Default"));
}

#[test]
fn writing_refuses_content_anki_would_not_keep() {
    type Mutation = fn(&mut Package);
    let cases: Vec<(&str, Mutation)> = vec![
        ("fields", |p| {
            p.notes[0].fields.pop();
        }),
        ("appears twice", |p| p.notes[1].guid = "lms-1".to_owned()),
        ("lacks", |p| p.notes[0].note_type = "Nope".to_owned()),
        ("U+001F", |p| p.notes[0].fields[0].value = "a\x1fb".to_owned()),
        ("tag", |p| p.notes[0].tags = vec!["two words".to_owned()]),
        ("plain file name", |p| p.media[0].name = "../etc/passwd".to_owned()),
        ("does not have", |p| p.reviews[0].card_ordinal = 5),
        ("deck name", |p| p.notes[0].deck = Some("A::::B".to_owned())),
    ];
    for (reason, mutate) in cases {
        let mut package = sample();
        mutate(&mut package);
        match write_apkg(&package) {
            Err(err @ AnkiError::InvalidPackage { .. }) => {
                assert!(err.to_string().contains(reason), "{reason}: {err}");
                assert!(err.is_invalid_input());
            }
            other => panic!("{reason}: expected InvalidPackage, got {other:?}"),
        }
    }
}

/// A zip of `entries`, each deflated or stored.
fn zip_of(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes, deflate) in entries {
        let method = if *deflate {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        zip.start_file(*name, SimpleFileOptions::default().compression_method(method))
            .expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

fn small_limits() -> Limits {
    Limits {
        max_decompressed_bytes: 1024 * 1024,
        ..Limits::default()
    }
}

#[test]
fn a_zip_bomb_is_refused_while_inflating() {
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let bomb = zip_of(&[("collection.anki21", &zeros, true)]);
    assert!(bomb.len() < 64 * 1024, "deflate makes {} bytes", bomb.len());
    let err = read_apkg(&bomb, &small_limits()).expect_err("refused");
    assert!(
        matches!(&err, AnkiError::DecompressedTooLarge { entry, limit: 1_048_576 } if entry == "collection.anki21"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("decompresses to more than 1048576 bytes"),
        "{err}"
    );
}

#[test]
fn a_zip_bomb_with_understated_sizes_is_refused() {
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let mut bomb = zip_of(&[("collection.anki21", &zeros, true)]);
    // Claim 1,000 uncompressed bytes in the local header (offset 22) and the central
    // directory entry (offset 24), as a bomb would to pass a check of the headers.
    let claimed = 1000u32.to_le_bytes();
    let local = find(&bomb, b"PK\x03\x04").expect("local header");
    bomb[local + 22..local + 26].copy_from_slice(&claimed);
    let central = find(&bomb, b"PK\x01\x02").expect("central directory");
    bomb[central + 24..central + 28].copy_from_slice(&claimed);
    // The sizes are not trusted: inflating is counted, and stops at the limit.
    let err = read_apkg(&bomb, &small_limits()).expect_err("refused");
    assert!(matches!(err, AnkiError::DecompressedTooLarge { .. }), "{err:?}");
    assert!(err.is_invalid_input());
}

#[test]
fn a_zstd_bomb_in_the_current_layout_is_refused() {
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let compressed = zstd::encode_all(&zeros[..], 3).expect("zstd");
    let bomb = zip_of(&[
        ("meta", &[0x08, 0x03], false),
        ("collection.anki21b", &compressed, false),
    ]);
    let err = read_apkg(&bomb, &small_limits()).expect_err("refused");
    assert!(
        matches!(&err, AnkiError::DecompressedTooLarge { entry, .. } if entry == "collection.anki21b"),
        "{err:?}"
    );
}

#[test]
fn media_over_the_limit_is_refused() {
    let mut package = sample();
    package.media[1].bytes = vec![7u8; 300 * 1024];
    let bytes = write_apkg(&package).expect("writes");
    let limits = Limits {
        max_media_bytes: 200 * 1024,
        ..Limits::default()
    };
    let err = read_apkg(&bytes, &limits).expect_err("refused");
    assert!(
        matches!(&err, AnkiError::MediaTooLarge { name, .. } if name == "paris.mp3"),
        "{err:?}"
    );
}

#[test]
fn too_many_notes_are_refused() {
    let bytes = write_apkg(&sample()).expect("writes");
    let limits = Limits {
        max_notes: 2,
        ..Limits::default()
    };
    let err = read_apkg(&bytes, &limits).expect_err("refused");
    assert!(matches!(err, AnkiError::TooManyNotes { limit: 2 }), "{err:?}");
    let limits = Limits {
        max_reviews: 3,
        ..Limits::default()
    };
    let err = read_apkg(&bytes, &limits).expect_err("refused");
    assert!(matches!(err, AnkiError::TooManyReviews { limit: 3 }), "{err:?}");
}

#[test]
fn a_package_over_the_size_limit_is_refused_before_unzipping() {
    let bytes = write_apkg(&sample()).expect("writes");
    let limits = Limits {
        max_package_bytes: 100,
        ..Limits::default()
    };
    let err = read_apkg(&bytes, &limits).expect_err("refused");
    assert!(matches!(err, AnkiError::PackageTooLarge { limit: 100, .. }), "{err:?}");
}

#[test]
fn a_truncated_package_is_refused() {
    let bytes = write_apkg(&sample()).expect("writes");
    for len in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        let err = read_apkg(&bytes[..len], &Limits::default()).expect_err("refused");
        assert!(matches!(err, AnkiError::NotAZip { .. }), "{len}: {err:?}");
        assert!(err.to_string().starts_with("not an Anki package"), "{err}");
    }
}

#[test]
fn a_damaged_collection_is_refused() {
    let bytes = write_apkg(&sample()).expect("writes");
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).expect("zip");
    let (start, len) = {
        let entry = archive.by_name("collection.anki21").expect("collection");
        (entry.data_start() as usize, entry.compressed_size() as usize)
    };
    let mut damaged = bytes.clone();
    for byte in &mut damaged[start + len / 3..start + len / 3 + 64] {
        *byte ^= 0x5a;
    }
    let err = read_apkg(&damaged, &Limits::default()).expect_err("refused");
    assert!(matches!(err, AnkiError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("collection.anki21"), "{err}");
}

#[test]
fn not_a_database_is_refused() {
    let package = zip_of(&[(
        "collection.anki2",
        b"this is not SQLite, just text long enough to look",
        true,
    )]);
    let err = read_apkg(&package, &Limits::default()).expect_err("refused");
    assert!(matches!(err, AnkiError::Corrupt { .. }), "{err:?}");
}

#[test]
fn an_unknown_format_version_is_refused() {
    let package = zip_of(&[("meta", &[0x08, 0x04], false), ("collection.anki21b", b"", false)]);
    let err = read_apkg(&package, &Limits::default()).expect_err("refused");
    assert!(matches!(err, AnkiError::UnsupportedVersion { version: 4 }), "{err:?}");
}

#[test]
fn not_a_zip_is_refused() {
    let err = read_apkg(b"%PDF-1.7 not a zip", &Limits::default()).expect_err("refused");
    assert!(matches!(err, AnkiError::NotAZip { .. }), "{err:?}");
    let err = read_apkg(&zip_of(&[("readme.txt", b"hi", false)]), &Limits::default()).expect_err("refused");
    assert!(err.to_string().contains("no collection"), "{err}");
}

#[test]
fn missing_media_is_refused() {
    let bytes = write_apkg(&sample()).expect("writes");
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).expect("zip");
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let entry = archive.by_index(i).expect("entry");
        if entry.name() != "1" {
            zip.raw_copy_file(entry).expect("copy");
        }
    }
    let without = zip.finish().expect("zip").into_inner();
    let err = read_apkg(&without, &Limits::default()).expect_err("refused");
    assert!(err.to_string().contains("no entry \"1\""), "{err}");
}

#[test]
fn a_collection_left_in_wal_mode_is_read() {
    let bytes = write_apkg(&sample()).expect("writes");
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).expect("zip");
    let mut collection = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name("collection.anki21").expect("collection"),
        &mut collection,
    )
    .expect("reads");
    // SQLite's header says WAL mode in bytes 18 and 19; the package has no -wal file.
    collection[18] = 2;
    collection[19] = 2;
    let package = zip_of(&[("collection.anki21", &collection, true)]);
    let read = read_apkg(&package, &Limits::default()).expect("reads");
    assert_eq!(read.notes.len(), 3);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
