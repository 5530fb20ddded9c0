"""A checkpoint file that cannot be made (a file where `<home>/checkpoints` goes; a full disk,
a folder of another user's) costs that run its checkpoint file, said in its output and once
in the engine's log — not the run itself: the failed start stranded every run handed over
with it, `queued` for good, while each later fire of the task was skipped as "still going"
(a fault hunt)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_a_file_where_the_checkpoints_folder_goes_costs_only_the_checkpoint_file(
        spawn: Any, cli: Any, home: Path, tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    assert cli("task", "add", "t", "--manual", "--shell", "--command",
               f'echo "file=${{TICKWORK_CHECKPOINT_FILE-unset}}" >> {seen}').code == 0
    (home / "checkpoints").write_text("someone's notes\n")
    engine = spawn()
    engine.wait_for("engine running on")
    for number in (1, 2):
        ran = cli("task", "run", "t", "--wait", "30")
        assert ran.code == 0, (ran.out, ran.err)
        shown = json.loads(cli("run", "show", str(number), "--json").out)
        assert shown["status"] == "succeeded", shown
    assert seen.read_text().splitlines() == ["file=unset"] * 2
    output = cli("run", "show", "1", "--log").out
    assert "no checkpoint file for this run ([Errno 17] File exists" in output, output
    assert "its checkpoints are not kept" in output
    said = engine.text().count("checkpoint files cannot be made")
    assert said == 1, engine.text()
    assert "Traceback" not in engine.text()

    (home / "checkpoints").unlink()  # put right: the next run has its file again
    assert cli("task", "run", "t", "--wait", "30").code == 0
    assert seen.read_text().splitlines()[-1].startswith(f"file={home / 'checkpoints'}/")
