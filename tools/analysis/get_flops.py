"""Parameters, MACs and FLOPs of a config's model or of a bare Sapiens backbone.

The model is built on the ``meta`` device (shapes only, no weights), so even ``sapiens_2b``
is counted in seconds with no memory; see :mod:`sapiens_mm.analysis.complexity` for what is
counted. MACs (multiply-accumulates) are what mmengine/fvcore report as "FLOPs";
FLOPs = 2 x MACs.

What is run:

* a config whose model is an mmengine ``BaseModel`` (pose estimator, segmentor, ...):
  ``model(inputs, data_samples=None, mode='tensor')`` = backbone + neck + head, without
  pre/post-processing;
* an mmpretrain ``MAE`` config: the pretraining forward, i.e. the backbone on the *masked*
  input (``mask_ratio`` of the patches dropped) plus the decoder neck; the loss has no
  counted ops. (``MAE``'s own ``mode='tensor'`` would run the unmasked encoder alone.)
* ``--arch NAME``: a bare ``SapiensViT`` (``out_type='featmap'``), no config needed;
  ``sapiens2_*`` names build a bare ``Sapiens2ViT`` (cls + 8 storage tokens, as released).
  The Sapiens2 model card's TFLOPs are close to the ``linear`` + ``conv`` MACs printed here
  (attention not counted, fvcore's convention), see
  :func:`sapiens_mm.analysis.sapiens2_macs_formula`.

Input size: ``--shape H [W]`` (pixels); otherwise what the config states (the backbone's
``img_size`` (H, W), else a pose ``codec.input_size`` (W, H), else ``crop_size`` (H, W), else
``image_size`` (an int, or a sequence read as (W, H) in the mmpose scope, (H, W) elsewhere));
otherwise 1024 x 768. Batch size 1.

Examples::

    python tools/analysis/get_flops.py --arch sapiens_2b
    python tools/analysis/get_flops.py --arch sapiens2_0.4b
    python tools/analysis/get_flops.py --arch sapiens_1b --shape 1024 1024 --with-cls-token
    python tools/analysis/get_flops.py configs/.../sapiens_0.3b-210e_coco-1024x768.py
    python tools/analysis/get_flops.py CONFIG --cfg-options model.backbone.arch=sapiens_1b
"""
import argparse
import importlib
import json
import time

import torch

DEFAULT_SHAPE = (1024, 768)  # (H, W) of every Sapiens fine-tuning config


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Count parameters and MACs/FLOPs of a model (built on the meta device).')
    parser.add_argument('config', nargs='?', help='config file (omit with --arch)')
    parser.add_argument('--arch', help='count a bare SapiensViT of this arch instead of a '
                        "config, e.g. 'sapiens_2b', '1b', 'sapiens_tiny', or a "
                        "Sapiens2ViT ('sapiens2_0.4b' ...)")
    parser.add_argument('--shape', type=int, nargs='+', metavar=('H', 'W'),
                        help='input height and width in pixels (one value: square)')
    parser.add_argument('--with-cls-token', action='store_true',
                        help='--arch only: prepend a cls token (the pretraining shape)')
    parser.add_argument('--patch-padding', type=int, default=0,
                        help='--arch only: patch-embedding padding (2 in pose/normal configs)')
    parser.add_argument('--device', default='meta',
                        help="device to build and run on (default 'meta': no memory used)")
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object instead of the table')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value (as in mmengine tools)')
    args = parser.parse_args(argv)
    if (args.config is None) == (args.arch is None):
        parser.error('give either a CONFIG or --arch NAME')
    if args.shape is not None and len(args.shape) not in (1, 2):
        parser.error('--shape takes H [W]')
    return args


def _pair(size):
    """(H, H) for an int or a one-element sequence, else the first two values as ints."""
    if isinstance(size, (int, float)):
        return int(size), int(size)
    size = [int(s) for s in size]
    return (size[0], size[0]) if len(size) == 1 else (size[0], size[1])


def shape_from_config(cfg):
    """(H, W) in pixels the config states, and where it was read; None if it states none."""
    model = cfg.get('model', {}) or {}
    backbone = model.get('backbone') or (model if 'img_size' in model else {})
    if backbone.get('img_size') is not None:
        return _pair(backbone['img_size']), 'model.backbone.img_size (H, W)'
    codec = cfg.get('codec')
    if isinstance(codec, dict) and codec.get('input_size') is not None:
        w, h = _pair(codec['input_size'])
        return (h, w), 'codec.input_size (W, H)'
    if cfg.get('crop_size') is not None:
        return _pair(cfg['crop_size']), 'crop_size (H, W)'
    size = cfg.get('image_size')
    if size is not None:
        if isinstance(size, (int, float)):
            return _pair(size), 'image_size'
        if cfg.get('default_scope') == 'mmpose':
            w, h = _pair(size)
            return (h, w), 'image_size (W, H, mmpose convention)'
        return _pair(size), 'image_size (H, W)'
    return None


def build_from_config(path, cfg_options, device):
    """Build ``cfg.model`` on ``device``; returns (model, cfg)."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.utils import import_modules_from_strings

    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    if cfg.get('default_scope'):
        init_default_scope(cfg['default_scope'])
    # The root registry switches to the default scope's child registry (mmpose, mmseg, ...);
    # sapiens_mm registers its classes in all of them.
    with torch.device(device):
        model = MODELS.build(cfg.model)
    return model, cfg


def build_arch(arch, shape, with_cls_token, patch_padding, device):
    if arch.lower().startswith('sapiens2_'):  # Sapiens2: always cls + 8 storage tokens
        if patch_padding:
            raise SystemExit('--patch-padding: Sapiens2 patch embeddings have no padding')
        from sapiens_mm.models.backbones.sapiens2_vit import Sapiens2ViT
        with torch.device(device):
            return Sapiens2ViT(arch=arch, img_size=shape)
    from sapiens_mm.models.backbones.sapiens_vit import SapiensViT
    patch_cfg = dict(padding=patch_padding) if patch_padding else None
    with torch.device(device):
        return SapiensViT(arch=arch, img_size=shape, with_cls_token=with_cls_token,
                          patch_cfg=patch_cfg)


def _short(n, units=(('T', 1e12), ('G', 1e9), ('M', 1e6), ('K', 1e3))):
    for suffix, scale in units:
        if abs(n) >= scale:
            return f'{n / scale:.2f} {suffix}'
    return str(n)


def format_table(rows):
    """rows: (label, int) pairs; returns the table as text."""
    width = max(len(label) for label, _ in rows)
    lines = []
    rule = f'+-{"-" * width}-+-{"-" * 19}-+-{"-" * 10}-+'
    lines += [rule, f'| {"quantity".ljust(width)} | {"exact".rjust(19)} | {"short".rjust(10)} |',
              rule]
    for label, value in rows:
        lines.append(f'| {label.ljust(width)} | {value:>19,} | {_short(value):>10} |')
    lines.append(rule)
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    import sapiens_mm  # noqa: F401  (registers the classes)
    importlib.import_module('sapiens_mm.models')
    from sapiens_mm.analysis import count_macs, count_parameters, counting_target

    if args.arch:
        shape = _pair(args.shape) if args.shape else DEFAULT_SHAPE
        shape_source = '--shape' if args.shape else 'default'
        model = build_arch(args.arch, shape, args.with_cls_token, args.patch_padding,
                           args.device)
        source = f'--arch {args.arch}'
    else:
        model, cfg = build_from_config(args.config, args.cfg_options, args.device)
        stated = shape_from_config(cfg)
        if args.shape:
            shape, shape_source = _pair(args.shape), '--shape'
        elif stated:
            shape, shape_source = stated
        else:
            shape, shape_source = DEFAULT_SHAPE, 'default'
        source = args.config

    target, forward_kwargs, forward_desc = counting_target(model)
    input_shape = (1, 3, shape[0], shape[1])
    macs = count_macs(target, input_shape, device=args.device, **forward_kwargs)

    params = count_parameters(model)
    backbone = getattr(model, 'backbone', None)
    params_backbone = count_parameters(backbone) if isinstance(backbone, torch.nn.Module) \
        else params
    components = {name: n for name, n in macs['by_module'].items()
                  if name and '.' not in name}
    elapsed = time.perf_counter() - start

    if args.json:
        print(json.dumps(dict(
            source=source, model=type(model).__name__, input_shape=list(input_shape),
            shape_source=shape_source, forward=forward_desc, device=args.device,
            params=params, params_backbone=params_backbone,
            params_rest=params - params_backbone, macs=macs['total'], flops=macs['flops'],
            attention_macs=macs['attention'], macs_by_type=macs['by_type'],
            macs_by_module=components, macs_by_op=macs['by_op'], seconds=elapsed)))
        return

    rows = [('parameters, total', params),
            ('parameters, backbone', params_backbone),
            ('parameters, rest', params - params_backbone),
            ('MACs, total', macs['total'])]
    if len(components) > 1:
        rows += [(f'  MACs, {name}', n) for name, n in components.items()]
    rows += [(f'  MACs, {kind}', n) for kind, n in macs['by_type'].items()]
    rows += [('FLOPs (2 x MACs)', macs['flops'])]
    print(f'source : {source}')
    print(f'model  : {type(model).__name__} (built on {args.device})')
    print(f'input  : {" x ".join(map(str, input_shape))} (N x C x H x W, '
          f'size from {shape_source})')
    print(f'forward: {forward_desc}')
    print(format_table(rows))
    print('MACs = multiply-accumulates (what mmengine/fvcore call FLOPs); '
          'attention = softmax(QK^T)V products. '
          f'Counted in {elapsed:.1f} s.')


if __name__ == '__main__':
    main()
