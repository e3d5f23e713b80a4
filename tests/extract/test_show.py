"""``heatgait show`` draws a stored sequence as a PNG strip or a GIF."""

import numpy as np
from PIL import Image

from heatgait.cli.app import main
from heatgait.data.records import SequenceRecord
from heatgait.data.shards import ShardWriter
from heatgait.extract.job.render import colorize, pick_frames


def _shard(path, frames=5):
    heatmaps = np.zeros((frames, 17, 64, 48), np.float32)
    heatmaps[:, 3, 10, 20] = 1.0  # one hot joint per frame
    record = SequenceRecord("007", "nm-01", "090", heatmaps, np.zeros((frames, 17, 3), np.float32),
                            np.tile([0, 0, 10, 20], (frames, 1)).astype(np.float32),
                            np.arange(frames), np.full(frames, 0.8, np.float32),
                            source=str(path.parent / "gone.avi"))
    with ShardWriter(path) as writer:
        writer.write(record)
    return path


def test_png_strip_and_gif(tmp_path, capsys):
    shard = _shard(tmp_path / "s.h5")
    png, gif = tmp_path / "a.png", tmp_path / "a.gif"
    assert main(["show", str(shard), "--seq", "007/nm-01/090", "--out", str(png),
                 "--columns", "3"]) == 0
    assert "5 frames (5 shown)" in capsys.readouterr().out
    assert Image.open(png).size == (3 * 192, 2 * (256 + 18))
    assert main(["show", str(shard), "--seq", "007/nm-01/090", "--out", str(gif)]) == 0
    assert Image.open(gif).n_frames == 5


def test_unknown_key_lists_what_is_there(tmp_path, capsys):
    shard = _shard(tmp_path / "s.h5")
    assert main(["show", str(shard), "--seq", "008/nm-01/090"]) == 2
    assert "007/nm-01/090" in capsys.readouterr().err


def test_colorize_puts_the_peak_where_the_joint_is():
    heatmaps = np.zeros((17, 64, 48), np.float32)
    heatmaps[5, 32, 12] = 1.0
    image = colorize(heatmaps, (64, 48))
    y, x = np.unravel_index(np.argmax(image[..., 0].astype(int) - image[..., 2]), (64, 48))
    assert (y, x) == (32, 12)
    assert pick_frames(100, 4).tolist() == [0, 33, 66, 99]
