"""Parses the mobile plugin's Kotlin and Swift sources with tree-sitter and fails on
any syntax error: the Android SDK and Xcode cannot run on the build machine, so this
is the check that the native files are at least well-formed. Run by `cargo xtask test`
(which installs tree-sitter, tree-sitter-kotlin and tree-sitter-swift from PyPI into a
virtual environment under target/)."""

import sys
from pathlib import Path

import tree_sitter
import tree_sitter_kotlin
import tree_sitter_swift

LANGUAGES = {
    ".kt": tree_sitter.Language(tree_sitter_kotlin.language()),
    ".swift": tree_sitter.Language(tree_sitter_swift.language()),
}


def problems(node, source, path):
    found = []
    if node.type == "ERROR" or node.is_missing:
        line, column = node.start_point
        snippet = source[node.start_byte:node.end_byte][:60].decode("utf-8", "replace")
        kind = "missing " + node.type if node.is_missing else "syntax error"
        found.append(f"{path}:{line + 1}:{column + 1}: {kind} near {snippet!r}")
    for child in node.children:
        found.extend(problems(child, source, path))
    return found


def main(roots):
    checked = 0
    errors = []
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            language = LANGUAGES.get(path.suffix)
            if language is None or ".tauri" in path.parts or "build" in path.parts:
                continue
            source = path.read_bytes()
            tree = tree_sitter.Parser(language).parse(source)
            errors.extend(problems(tree.root_node, source, path))
            checked += 1
    for error in errors:
        print(error)
    print(f"native syntax: {checked} files parsed, {len(errors)} errors")
    if checked == 0:
        print("no Kotlin or Swift file found", file=sys.stderr)
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
