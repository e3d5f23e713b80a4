"""Speed and memory of GaitHeat training steps and of PGHA alone (run by hand, prints numbers).

    python benchmarks/bench_model.py                      # 8x8 sequences x 30 frames, CPU
    python benchmarks/bench_model.py --sequences 8 --device cuda --amp

Reports forward+backward(+SGD step) sequences/s, peak memory (resident set on the CPU, allocated
on CUDA) and PGHA frames/s. Random heatmaps: the numbers are about speed, not accuracy.
"""

from __future__ import annotations

import argparse
import resource
import time

import torch
from common import report

from heatgait.models import create_model
from heatgait.models.align import align_heatmaps
from heatgait.models.losses import GaitHeatLoss


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_align(device: torch.device, frames: int, repeats: int, dtype: torch.dtype) -> float:
    """PGHA frames/s in training mode (every frame rotated with p_below=1)."""
    x = torch.rand(frames, 17, 64, 48, device=device, dtype=dtype)
    align_heatmaps(x, 5.0, 1.0, training=True)
    sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        align_heatmaps(x, 5.0, 1.0, training=True)
    sync(device)
    return frames * repeats / (time.perf_counter() - start)


def bench_train(args: argparse.Namespace, device: torch.device) -> tuple[float, float]:
    """Training-step sequences/s and the average step time in seconds."""
    ids = max(args.sequences // 8, 1)
    model = create_model(args.model, num_classes=max(ids, 2)).to(device).train()
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    criterion = GaitHeatLoss()
    x = torch.rand(args.sequences, args.frames, 17, 64, 48, device=device)
    labels = torch.arange(args.sequences, device=device) % ids
    amp_dtype = torch.bfloat16 if device.type == "cpu" else torch.float16
    scaler = torch.amp.GradScaler(device.type, enabled=args.amp and device.type == "cuda")

    def step() -> None:
        with torch.autocast(device.type, dtype=amp_dtype, enabled=args.amp):
            loss, _ = criterion(model(x), labels)
        optimiser.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimiser)
        scaler.update()

    step()  # warm-up
    sync(device)
    start = time.perf_counter()
    for _ in range(args.iters):
        step()
    sync(device)
    elapsed = (time.perf_counter() - start) / args.iters
    return args.sequences / elapsed, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gaitheat")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--sequences", type=int, default=64, help="P x K sequences a batch")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--amp", action="store_true", help="bf16 on CPU, fp16 on CUDA")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--align-frames", type=int, default=1920)
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    device = torch.device(args.device)
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    for dtype in (torch.float32, torch.bfloat16):
        fps = bench_align(device, args.align_frames, 5, dtype)
        print(f"PGHA {dtype}: {fps:,.0f} frames/s ({args.align_frames} frames a call)")
        report(f"pgha_frames_per_s_{str(dtype).split('.')[-1]}", fps, "frames/s")
    if args.skip_train:
        return
    seq_s, step_s = bench_train(args, device)
    print(
        f"train step {args.model}, {args.sequences} seq x {args.frames} frames"
        f"{' amp' if args.amp else ''}{' channels_last' if args.channels_last else ''}: "
        f"{seq_s:.2f} sequences/s ({step_s:.2f} s a step)"
    )
    if device.type == "cuda":
        print(
            f"peak CUDA memory allocated: {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB"
        )
    report(f"train_step_seq_per_s_{args.model}_{args.sequences}x{args.frames}", seq_s,
           "sequences/s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    print(f"peak resident memory of this process: {rss:.2f} GiB")


if __name__ == "__main__":
    main()
