"""Writing outputs safely (issue 20 items 8-10): --force never replaces a backup,
a failed write leaves nothing behind, non-ASCII file names give configs that
`config check` accepts, and output names may use all 255 bytes of NAME_MAX."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import TFLITE_MODELS
from selbuild import REPO_ROOT
from selbuild import outputs
from selbuild.cli import main
from selbuild.config import load_config
from selbuild.errors import UsageError

SINE = TFLITE_MODELS / "sine_float.tflite"
CNN = TFLITE_MODELS / "tiny_cnn_f32.tflite"
LONG = 255                     # NAME_MAX of ext4, tmpfs, APFS, ...


def cli(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return e.value.code, out, err


def listing(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def long_name(suffix: str, size: int = LONG) -> str:
    return "n" * (size - len(suffix)) + suffix


# -- 20.8: numbered backups, never a replaced .bak, no stray files ----------------

def test_force_keeps_every_earlier_file(tmp_path, capsys) -> None:
    shutil.copy(SINE, tmp_path / "sine.tflite")
    shutil.copy(CNN, tmp_path / "cnn.tflite")
    cfg, own_bak = tmp_path / "app.yaml", tmp_path / "app.yaml.bak"
    cfg.write_text("# my hand-written config\n")
    own_bak.write_text("# my own backup, not selbuild's\n")
    code, out, _ = cli(capsys, "config", "init", tmp_path / "sine.tflite", "-o", cfg, "--force")
    assert code == 0 and "kept the old file as" in out and "app.yaml.bak.1" in out
    first = cfg.read_text()
    assert "fully_connected.f32" in first
    code, out, _ = cli(capsys, "config", "init", tmp_path / "cnn.tflite", "-o", cfg, "--force")
    assert code == 0 and "app.yaml.bak.2" in out
    assert own_bak.read_text() == "# my own backup, not selbuild's\n"
    assert (tmp_path / "app.yaml.bak.1").read_text() == "# my hand-written config\n"
    assert (tmp_path / "app.yaml.bak.2").read_text() == first
    assert "conv2d.f32" in cfg.read_text()
    # The same config again: nothing would be lost, so no fourth copy.
    code, out, _ = cli(capsys, "config", "init", tmp_path / "cnn.tflite", "-o", cfg, "--force")
    assert code == 0 and "kept" not in out
    assert listing(tmp_path) == ["app.yaml", "app.yaml.bak", "app.yaml.bak.1", "app.yaml.bak.2",
                                 "cnn.tflite", "sine.tflite"]


def test_failed_rename_leaves_only_the_old_file(tmp_path, capsys, monkeypatch) -> None:
    shutil.copy(SINE, tmp_path / "sine.tflite")
    cfg = tmp_path / "app.yaml"
    cfg.write_text("# my hand-written config\n")

    def refuse(src, dst, *a, **kw):
        raise OSError(5, "Input/output error", str(dst))
    monkeypatch.setattr(outputs.os, "replace", refuse)
    code, _, err = cli(capsys, "config", "init", tmp_path / "sine.tflite", "-o", cfg, "--force")
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    assert "input/output error" in err.lower()
    assert cfg.read_text() == "# my hand-written config\n"
    assert listing(tmp_path) == ["app.yaml", "sine.tflite"]     # no .bak, no temp file


def test_backup_is_the_old_file_even_after_replacing(tmp_path) -> None:
    """The backup is a link to the old inode: the replaced bytes, mode kept."""
    p = tmp_path / "f.txt"
    p.write_text("old\n")
    p.chmod(0o640)
    path, bak = outputs.write_kept(p, "new\n")
    assert (p.read_text(), bak.read_text(), bak.name) == ("new\n", "old\n", "f.txt.bak")
    assert p.stat().st_mode & 0o777 == 0o640


# -- 20.9: config names from non-ASCII file names --------------------------------

@pytest.mark.parametrize("model_name, out_name", [
    ("модель.tflite", "конфиг.yaml"),        # nothing transliterates: "app"
    ("café.tflite", "café crème.yaml"),      # accents dropped: "cafe_creme"
    ("日本.tflite", "__-x.yaml"),             # leading punctuation dropped: "x"
    ("m.tflite", "...yaml"),
])
def test_init_then_check_passes_for_any_file_name(tmp_path, capsys, model_name, out_name) -> None:
    shutil.copy(SINE, tmp_path / model_name)
    code, _, err = cli(capsys, "config", "init", tmp_path / model_name, "-o", tmp_path / out_name)
    assert code == 0, err
    code, out, err = cli(capsys, "config", "check", tmp_path / out_name)
    assert code == 0 and ": ok" in out, err
    name = load_config(tmp_path / out_name).name
    assert name.isascii() and name[0].isalnum(), name


def test_two_non_ascii_models_with_one_stem(tmp_path, capsys) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        shutil.copy(SINE, tmp_path / d / "модель.tflite")
    out = tmp_path / "two.yaml"
    code, _, err = cli(capsys, "config", "init", tmp_path / "a" / "модель.tflite",
                       tmp_path / "b" / "модель.tflite", "-o", out)
    assert code == 0, err
    code, out_text, err = cli(capsys, "config", "check", out)
    assert code == 0 and "2 model(s)" in out_text, err


def test_invalid_name_option_is_refused(tmp_path, capsys) -> None:
    code, _, err = cli(capsys, "config", "init", SINE, "-o", tmp_path / "a.yaml", "--name", "мой")
    assert code == 2 and err.startswith("error: ") and "--name" in err
    assert listing(tmp_path) == []


# -- 20.10: 255-byte output names ------------------------------------------------

def test_255_byte_config_and_program(tmp_path, capsys) -> None:
    cfg = tmp_path / long_name(".yaml")
    code, _, err = cli(capsys, "config", "init", SINE, "-o", cfg)
    assert code == 0, err
    assert cli(capsys, "config", "check", cfg)[0] == 0
    prog = tmp_path / long_name(".selrt")
    code, _, err = cli(capsys, "convert", SINE, "-o", prog)
    assert code == 0, err
    assert code == 0 and prog.read_bytes()[4:8] == b"SLRT"
    code, _, err = cli(capsys, "convert", SINE, "-o", prog)        # replacing it too
    assert code == 0, err
    assert listing(tmp_path) == sorted([cfg.name, prog.name])


def test_256_byte_name_is_refused_clearly(tmp_path, capsys) -> None:
    code, _, err = cli(capsys, "convert", SINE, "-o", tmp_path / long_name(".selrt", 256))
    assert code == 2 and err.startswith("error: ") and "256 bytes" in err and "255" in err
    assert listing(tmp_path) == []


@pytest.fixture(scope="module")
def host_library(build_root) -> Path:
    from selbuild.build import build_target
    return build_target(load_config(REPO_ROOT / "configs" / "tiny_cnn_f32.yaml"), "host",
                        out_root=build_root).library


def test_255_byte_size_report(host_library, tmp_path, capsys) -> None:
    report = tmp_path / long_name(".json")
    for _ in range(2):
        code, _, err = cli(capsys, "size", host_library, "--format", "json", "-o", report)
        assert code == 0, err
    assert json.loads(report.read_text())["schema"] == 1
    assert listing(tmp_path) == [report.name]


def test_255_byte_package_outputs(build_root, tmp_path) -> None:
    from selbuild import toolchain_loader
    from selbuild.config import BuildConfig
    from selbuild.package import check_aar_output, package_xcframework
    for t in ("ios-arm64", "ios-sim-arm64", "ios-sim-x86_64"):
        if not toolchain_loader.availability(t).ok:
            pytest.skip(f"{t} not buildable here")
    cfg = BuildConfig(path=build_root / "pilot.yaml", name="pilot", models=[],
                      targets=["ios-arm64"], ops={"add.f32": [], "relu.f32": []})
    out = tmp_path / long_name(".xcframework")
    for _ in range(2):                       # a new folder, then replacing it
        assert package_xcframework(cfg, out, out_root=build_root) == out
        assert (out / "Info.plist").is_file()
    # Beside it only the SwiftPM manifest and podspec (no models: no resources), no temporaries.
    assert listing(tmp_path) == sorted([out.name, "Package.swift", "selrt_pilot.podspec"])
    # An AAR's side files (<stem>.native-debug-symbols.zip) are longer than the AAR's
    # name: a 255-byte AAR name is refused before any build, naming the limit.
    with pytest.raises(UsageError, match="255"):
        check_aar_output(cfg, tmp_path / long_name(".aar"))
    check_aar_output(cfg, tmp_path / long_name(".aar", LONG - len(".native-debug-symbols.zip") + len(".aar")))
