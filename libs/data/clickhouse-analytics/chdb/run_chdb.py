"""Runs SQL steps on chDB (an in-process current ClickHouse) and prints their results as JSON.

Input (stdin): {"steps": [{"sql": "...", "mayFail": false}, ...]}. Each step's result rows are
read as JSONEachRow. Output (stdout): {"version": "...", "results": [{"ok": true, "rows": [...]}
or {"ok": false, "error": "..."}]}. Stops at the first failing step unless it may fail.
"""
import json
import sys
import tempfile

from chdb import session


def main() -> None:
    job = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as path:
        db = session.Session(path)
        version = str(db.query("SELECT version()", "TabSeparated")).strip()
        results = []
        for step in job["steps"]:
            try:
                text = str(db.query(step["sql"], "JSONEachRow"))
                results.append({"ok": True, "rows": [json.loads(line) for line in text.splitlines() if line.strip()]})
            except Exception as error:  # chDB raises its own error types; the message is what matters
                results.append({"ok": False, "error": str(error)})
                if not step.get("mayFail"):
                    break
        db.close()
    json.dump({"version": version, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
