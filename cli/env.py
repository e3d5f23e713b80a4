"""``heatgait env``: versions, compiled ops and devices; exit 1 when something required is
missing or mmcv is installed but its ops do not load."""

from __future__ import annotations

import typer


def env() -> None:
    """Print Python, torch, CUDA, OpenMMLab and h5py versions, whether mmcv's compiled ops run
    (on the CPU, and on CUDA), and the devices."""
    from heatgait.env import collect

    report = collect()
    rows = [("python", report.python), ("platform", report.platform)]
    rows += [(name, version or "MISSING") for name, version in report.versions.items()]
    rows.append(("mmcv ops", "available" if report.mmcv_ops is None else
                 f"NOT AVAILABLE ({report.mmcv_ops})"))
    rows.append(("mmcv ops on CUDA", report.mmcv_cuda))
    rows.append(("cuda", report.cuda or "not available"))
    rows.append(("devices", ", ".join(report.devices) or "none"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        typer.echo(f"{name:<{width}}  {value}")
    for name, fix, required in report.missing:
        kind = "required" if required else "optional"
        typer.echo(f"missing ({kind}): {name}; fix: {fix}", err=True)
    if report.mmcv_ops is not None and report.versions.get("mmcv"):
        typer.echo("mmcv ops do not load; fix: make install (rebuilds mmcv against this torch)",
                   err=True)
    if not report.ok:
        raise typer.Exit(1)
