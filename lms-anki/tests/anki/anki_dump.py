"""What a collection holds, as the JSON the lms-anki tests compare against.

Shared by make_fixtures.py (the collection a fixture was exported from) and check_import.py
(a fresh collection that imported a package). Only what a package carries across is dumped:
notes with their named fields, tags, guid and deck, the note types those notes use, the media
files, and the review log. Lists are sorted so that two dumps compare equal when the content
does, whatever the ids.
"""

import base64
import hashlib
import os


def dump_collection(col):
    """The collection's notes, note types, media and reviews as plain JSON-able data."""
    notes = []
    used_notetypes = {}
    guid_of_card = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        notetype = note.note_type()
        used_notetypes[notetype["id"]] = notetype
        cards = sorted(note.cards(), key=lambda card: card.ord)
        for card in cards:
            guid_of_card[card.id] = (note.guid, card.ord)
        notes.append(
            {
                "guid": note.guid,
                "notetype": notetype["name"],
                "fields": [[name, value] for name, value in note.items()],
                "tags": sorted(note.tags),
                # A note's deck is the deck of its first card (Anki keeps decks per card).
                "deck": col.decks.name(cards[0].did) if cards else None,
                "card_ords": [card.ord for card in cards],
            }
        )
    notes.sort(key=lambda n: n["guid"])

    notetypes = [
        {
            "name": nt["name"],
            "kind": "cloze" if nt["type"] == 1 else "standard",
            "fields": [field["name"] for field in nt["flds"]],
            "templates": [
                {"name": t["name"], "front": t["qfmt"], "back": t["afmt"]}
                for t in nt["tmpls"]
            ],
            "css": nt["css"],
        }
        for nt in used_notetypes.values()
    ]
    notetypes.sort(key=lambda nt: nt["name"])

    media_dir = col.media.dir()
    media = []
    for name in sorted(os.listdir(media_dir)):
        path = os.path.join(media_dir, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        media.append(
            {
                "name": name,
                "sha1": hashlib.sha1(data).hexdigest(),
                "base64": base64.b64encode(data).decode("ascii"),
            }
        )

    reviews = []
    for rid, cid, ease, ivl, last_ivl, factor, taken, kind in col.db.all(
        "select id, cid, ease, ivl, lastIvl, factor, time, type from revlog order by id"
    ):
        guid, ord_ = guid_of_card.get(cid, (None, None))
        reviews.append(
            {
                "reviewed_at_ms": rid,
                "note_guid": guid,
                "card_ord": ord_,
                "ease": ease,
                "interval": ivl,
                "last_interval": last_ivl,
                "factor": factor,
                "duration_ms": taken,
                "kind": kind,
            }
        )

    return {"notes": notes, "notetypes": notetypes, "media": media, "reviews": reviews}
