"""Export a Sapiens task model to ONNX, OpenVINO IR, TorchScript and/or a torch.export program.

    sapiens-export --model sapiens_0.3b_seg_goliath --out exported/
    sapiens-export --config CONFIG [--checkpoint CKPT|none] --out DIR
        [--format onnx torchscript program openvino] [--dtype fp32|bf16] [--dynamic-batch]
        [--no-check] [--device cpu]

The model is exported at its config's fixed input size (1024x768 for the released configs)
as a module ``normalised (B, 3, H, W) -> raw head output`` (see ``sapiens_mm.export``).
Writes DIR/NAME.onnx, DIR/NAME_torchscript.pt, DIR/NAME.pt2 (``_bfloat16`` before the
extension with --dtype bf16). ONNX is fp32 only: with --dtype bf16 the default formats are
TorchScript and torch.export (said in the output), and ``--format onnx`` is refused. With
``--format openvino`` (needs the ``openvino`` package) the OpenVINO IR DIR/NAME.xml +
DIR/NAME.bin (fp32 weights; for bf16, compile it with ``INFERENCE_PRECISION_HINT=bf16``: the
check then also reports that error). Unless --no-check, each file is loaded back and run on a
random input; the max abs difference to the PyTorch module (fp32 module for bf16 files, i.e.
the bf16 error) and the time taken are printed.
"""
import argparse
import copy
import os
import os.path as osp
import sys
import time

import torch

import sapiens_mm
from sapiens_mm.checkpoint.model_zoo import zoo_config
from sapiens_mm.export import (build_export_model, example_input, export_onnx,
                               export_openvino, export_program, export_torchscript,
                               onnx_max_abs_diff, openvino_max_abs_diff, program_max_abs_diff,
                               torchscript_max_abs_diff)
from sapiens_mm.cli.errors import console_command


def writable_folder(folder: str) -> str:
    """Create ``folder`` and write (then remove) a probe file in it, before any model is
    built: a read-only or missing-parent folder is one ``OSError`` naming it, not a traceback
    from inside the ONNX / TorchScript writers after minutes of export."""
    import tempfile
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix='.sapiens_export_probe_')
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise type(e)(f'--out {folder}: cannot write into this folder '
                      f'({e.strerror or e})') from e
    return folder


def _write_failure(fmt: str, path: str, error: Exception) -> Exception:
    """The error to raise when writing ``path`` failed: an ``OSError`` naming the file for a
    failed write (torch's writers raise ``RuntimeError('File ... cannot be opened')``),
    ``error`` itself otherwise (a model that cannot be exported: a bug, with its traceback)."""
    text = str(error).strip().splitlines()
    first = text[0][:300] if text else type(error).__name__
    if isinstance(error, OSError) or (isinstance(error, RuntimeError) and (
            path in str(error) or 'cannot be opened' in str(error))):
        return OSError(f'{path}: the {fmt} export could not be written ({first})')
    return error


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', help='released model name (tools/infer.py --list-models)')
    parser.add_argument('--config')
    parser.add_argument('--checkpoint', default='none', help="file, released name or 'none'")
    parser.add_argument('--out', required=True)
    parser.add_argument('--format', nargs='+',
                        choices=['onnx', 'torchscript', 'program', 'openvino'],
                        help='default: onnx, torchscript and program (bf16: torchscript and '
                        'program; the ONNX export is fp32 only)')
    parser.add_argument('--dtype', default='fp32', choices=['fp32', 'bf16'])
    parser.add_argument('--dynamic-batch', action='store_true')
    parser.add_argument('--no-check', action='store_true')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    sapiens_mm.register_all()  # the models, the weights-only loader
    if bool(args.model) == bool(args.config):
        parser.error('give exactly one of --model and --config')
    if args.dtype == 'bf16' and args.format and 'onnx' in args.format:
        parser.error('--format onnx with --dtype bf16: the ONNX export is fp32 only; export '
                     'ONNX with --dtype fp32, or drop onnx from --format')
    formats = args.format or (['torchscript', 'program'] if args.dtype == 'bf16'
                              else ['onnx', 'torchscript', 'program'])
    if 'openvino' in formats and torch.device(args.device).type != 'cpu':
        parser.error('--format openvino: give --device cpu (OpenVINO runs on the CPU)')
    config = zoo_config(args.model) if args.model else args.config
    checkpoint = args.model if args.model else \
        (None if args.checkpoint.lower() == 'none' else args.checkpoint)
    name = args.model or osp.splitext(osp.basename(config))[0]
    writable_folder(args.out)  # before minutes of building and exporting
    t = time.perf_counter()
    module, hw = build_export_model(config, checkpoint, args.device)
    task = getattr(module, 'task', None) or 'multi-task (' + ', '.join(module.tasks) + ')'
    print(f'{name}: {task} model, input {hw[0]}x{hw[1]}, built in '
          f'{time.perf_counter() - t:.1f} s')
    fp32 = module
    dtype = torch.bfloat16 if args.dtype == 'bf16' else torch.float32
    if args.dtype == 'bf16':
        module = copy.deepcopy(module).to(torch.bfloat16)
        name += '_bfloat16'
    example = example_input(hw, dtype=dtype, device=args.device)
    jobs = dict(onnx=(export_onnx, onnx_max_abs_diff, '.onnx'),
                torchscript=(export_torchscript, torchscript_max_abs_diff, '_torchscript.pt'),
                program=(export_program, program_max_abs_diff, '.pt2'))
    if args.dtype == 'bf16' and not args.format:
        print('--dtype bf16: writing TorchScript and torch.export only (the ONNX export is '
              'fp32 only; run again with --dtype fp32 for ONNX)')
    for fmt in formats:
        if fmt == 'openvino':  # fp32 IR; bf16 is a compile-time choice
            stem = name[:-len('_bfloat16')] if args.dtype == 'bf16' else name
            path = osp.join(args.out, stem + '.xml')
            t = time.perf_counter()
            export_openvino(fp32, path, example.float(), dynamic_batch=args.dynamic_batch)
            size = os.path.getsize(path) + os.path.getsize(path[:-4] + '.bin')
            line = f'openvino: {path} + .bin ({size / 2**20:.1f} MiB, ' \
                   f'{time.perf_counter() - t:.1f} s)'
            if not args.no_check:
                x = example_input(hw, seed=1, device=args.device)
                line += f', max |exported - torch| = {openvino_max_abs_diff(fp32, path, x):.3g}'
                if args.dtype == 'bf16':
                    d = openvino_max_abs_diff(fp32, path, x, precision='bf16')
                    line += f', compiled bf16: max |bf16 - fp32| = {d:.3g}'
            print(line)
            continue
        export, diff, ext = jobs[fmt]
        path = osp.join(args.out, name + ext)
        t = time.perf_counter()
        kwargs = {} if fmt == 'torchscript' else dict(dynamic_batch=args.dynamic_batch)
        try:
            export(module, path, example, **kwargs)
        except Exception as e:
            failure = _write_failure(fmt, path, e)
            if failure is e:
                raise
            raise failure from e
        line = f'{fmt}: {path} ({os.path.getsize(path) / 2**20:.1f} MiB, ' \
               f'{time.perf_counter() - t:.1f} s)'
        if not args.no_check:
            x = example_input(hw, seed=1, device=args.device)
            if args.dtype == 'bf16':  # error of the bf16 program against the fp32 model
                loaded = torch.jit.load(path) if fmt == 'torchscript' else \
                    torch.export.load(path).module()
                with torch.no_grad():
                    d = float((loaded(x.bfloat16()).float() - fp32(x)).abs().max())
                line += f', max |bf16 - fp32| = {d:.3g}'
            else:
                line += f', max |exported - torch| = {diff(module, path, x):.3g}'
        print(line)


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())
