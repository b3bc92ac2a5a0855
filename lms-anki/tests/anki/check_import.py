"""Imports an .apkg into a fresh collection of the real Anki and prints what it holds.

    python check_import.py PACKAGE.apkg

prints one JSON object on stdout: anki_dump.dump_collection of the new collection (notes
with named fields, tags, guid and deck; their note types; media files; review log) plus
"import_log", the counts of Anki's import log. Exits non-zero if Anki refuses the package.
"""

import json
import os
import sys
import tempfile

from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from anki_dump import dump_collection


def import_into_fresh_collection(package_path):
    """Anki's view of the package: imported with scheduling into an empty collection."""
    with tempfile.TemporaryDirectory() as tmp:
        col = Collection(os.path.join(tmp, "import.anki2"))
        try:
            # A fresh collection holds the stock note types, and Anki recreates "Basic"
            # when all are removed. Renaming them (they have no notes) lets an imported
            # "Basic" keep its name instead of becoming "Basic+".
            for entry in col.models.all_names_and_ids():
                notetype = col.models.get(entry.id)
                notetype["name"] = "stock " + notetype["name"]
                col.models.save(notetype)
            result = col.import_anki_package(
                ImportAnkiPackageRequest(
                    package_path=os.path.abspath(package_path),
                    options=ImportAnkiPackageOptions(
                        with_scheduling=True, with_deck_configs=False
                    ),
                )
            )
            dump = dump_collection(col)
        finally:
            col.close()
    log = result.log
    dump["import_log"] = {
        "new": len(log.new),
        "updated": len(log.updated),
        "duplicate": len(log.duplicate),
        "conflicting": len(log.conflicting),
        "first_field_match": len(log.first_field_match),
        "missing_notetype": len(log.missing_notetype),
        "missing_deck": len(log.missing_deck),
        "empty_first_field": len(log.empty_first_field),
        "found_notes": log.found_notes,
    }
    return dump


def main():
    json.dump(import_into_fresh_collection(sys.argv[1]), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
