"""Makes the .apkg fixtures of the lms-anki tests with the real Anki and with genanki.

    python make_fixtures.py OUT_DIR

writes, into OUT_DIR:

- current.apkg: exported by the `anki` package in today's layout (meta version 3,
  zstd `collection.anki21b` in schema 18, protobuf media list, zstd media), with
  scheduling, media and deck options, from a collection with notes of two note types (the
  stock Basic and a custom three-field type with two templates), tags, HTML, two media files
  referenced from fields and review history made by answering cards through the scheduler;
- legacy.apkg: the same deck exported by `anki` with "support older Anki versions"
  (`collection.anki21`, schema 11, JSON media map);
- current.json: that collection as anki_dump.dump_collection sees it (what both must read as);
- genanki.apkg: a legacy package (`collection.anki2`, no meta) written by genanki, with two
  note types, tags, HTML and a media file;
- genanki.json: what the real Anki finds in genanki.apkg, through the same dump.

Nothing here reads the network; the content is made up, so the fixtures carry no licence.
"""

import json
import os
import sys
import tempfile
import time

import genanki
from anki.collection import (
    Collection,
    DeckIdLimit,
    ExportAnkiPackageOptions,
)

from anki_dump import dump_collection
from check_import import import_into_fresh_collection

# Media bytes: not valid images or audio (Anki does not look), but binary, with bytes that
# are not UTF-8 and the field separator 0x1f, so that a reader has to keep them as bytes.
CAT_PNG = bytes([0x89]) + b"PNG\r\n\x1a\n" + bytes(range(256)) + b"\x1f\xff\xfe cat"
INU_MP3 = b"ID3\x04\x00" + bytes(255 - i for i in range(256)) * 3
GENANKI_JPG = b"\xff\xd8\xff\xe0 genanki media \x00\x01\x02"

VOCAB_CSS = ".card { font-family: serif; font-size: 28px; text-align: center; }"


def add_vocab_notetype(col):
    """A custom note type: three fields and two card templates."""
    mm = col.models
    nt = mm.new("LMS Vocab")
    for name in ("Word", "Meaning", "Example"):
        mm.add_field(nt, mm.new_field(name))
    recognition = mm.new_template("Recognition")
    recognition["qfmt"] = "{{Word}}"
    recognition["afmt"] = '{{FrontSide}}<hr id="answer">{{Meaning}}<br>{{Example}}'
    mm.add_template(nt, recognition)
    recall = mm.new_template("Recall")
    recall["qfmt"] = "{{Meaning}}"
    recall["afmt"] = '{{FrontSide}}<hr id="answer">{{Word}}'
    mm.add_template(nt, recall)
    nt["css"] = VOCAB_CSS
    mm.add(nt)
    return mm.by_name("LMS Vocab")


def add_note(col, notetype, deck_id, fields, tags):
    note = col.new_note(notetype)
    for name, value in fields.items():
        note[name] = value
    note.tags = tags
    col.add_note(note, deck_id)
    return note


def build_collection(path):
    col = Collection(path)
    # The scheduler shows learning cards only until the day's rollover (04:00 local by
    # default), so a run just before it would answer fewer cards; move the rollover to the
    # far side of the clock.
    col.set_config("rollover", (time.localtime().tm_hour + 12) % 24)
    parent = col.decks.id("LMS Fixture")
    vocab_deck = col.decks.id("LMS Fixture::Vocabulary")
    basic = col.models.by_name("Basic")
    vocab = add_vocab_notetype(col)

    col.media.write_data("cat.png", CAT_PNG)
    col.media.write_data("inu.mp3", INU_MP3)

    add_note(
        col,
        basic,
        parent,
        {"Front": "<b>Bonjour</b>", "Back": "Hello &amp; welcome<br><i>greeting</i>"},
        ["french", "greeting"],
    )
    add_note(
        col,
        basic,
        parent,
        {"Front": "Le chat", "Back": 'The cat <img src="cat.png">\nsecond line'},
        ["french", "animals::pets"],
    )
    add_note(
        col,
        vocab,
        vocab_deck,
        {
            "Word": "犬",
            "Meaning": "dog",
            "Example": "<ruby>犬<rt>いぬ</rt></ruby>が好き [sound:inu.mp3]",
        },
        ["日本語", "JLPT_N5"],
    )
    add_note(
        col,
        vocab,
        vocab_deck,
        {
            "Word": "猫",
            "Meaning": 'cat "quoted" <span style="color: red">red</span>',
            "Example": "",
        },
        ["日本語"],
    )

    # Review history: study the parent deck (and so its subdeck) through the v3 scheduler.
    col.decks.select(parent)
    for ease in (3, 1, 3, 4, 2, 3, 3, 1, 3):
        card = col.sched.getCard()
        if card is None:
            sys.exit("the scheduler ran out of cards; the fixture's review history is incomplete")
        col.sched.answerCard(card, ease)
    return col, parent


def write_genanki(path, media_dir):
    basic = genanki.Model(
        1607392319,
        "genanki Basic",
        fields=[{"name": "Question"}, {"name": "Answer"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}',
            }
        ],
    )
    triple = genanki.Model(
        1607392320,
        "genanki Triple",
        fields=[{"name": "Term"}, {"name": "Definition"}, {"name": "Source"}],
        templates=[
            {
                "name": "Term first",
                "qfmt": "{{Term}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Definition}}<br>{{Source}}',
            }
        ],
        css=".card { color: navy; }",
    )
    deck = genanki.Deck(2059400110, "genanki Deck")
    deck.add_note(
        genanki.Note(
            model=basic,
            fields=["What is <b>2 + 2</b>?", "4 <img src=\"g.jpg\">"],
            tags=["math", "arith::basic"],
            guid="genanki-guid-1",
        )
    )
    deck.add_note(
        genanki.Note(
            model=triple,
            fields=["Photosynthesis", "Light &rarr; sugar", "<i>Biology 101</i>"],
            tags=["biology"],
            guid="genanki-guid-2",
        )
    )
    media_path = os.path.join(media_dir, "g.jpg")
    with open(media_path, "wb") as f:
        f.write(GENANKI_JPG)
    package = genanki.Package(deck)
    package.media_files = [media_path]
    package.write_to_file(path)


def main():
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        col, parent = build_collection(os.path.join(tmp, "source.anki2"))
        try:
            for name, legacy in (("current.apkg", False), ("legacy.apkg", True)):
                col.export_anki_package(
                    out_path=os.path.join(out, name),
                    options=ExportAnkiPackageOptions(
                        with_scheduling=True,
                        with_deck_configs=True,
                        with_media=True,
                        legacy=legacy,
                    ),
                    limit=DeckIdLimit(parent),
                )
            expected = dump_collection(col)
        finally:
            col.close()
        with open(os.path.join(out, "current.json"), "w", encoding="utf-8") as f:
            json.dump(expected, f, ensure_ascii=False, indent=1)

        genanki_path = os.path.join(out, "genanki.apkg")
        write_genanki(genanki_path, tmp)
        seen = import_into_fresh_collection(genanki_path)
        with open(os.path.join(out, "genanki.json"), "w", encoding="utf-8") as f:
            json.dump(seen, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
