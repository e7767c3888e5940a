"""mmengine's ``CheckpointHook`` with crash-safe saving on the local file system.

A process killed while mmengine's ``CheckpointHook`` saves can leave the run without a usable
checkpoint: the hook deletes the oldest kept checkpoint (``max_keep_ckpts``) *before* writing
the new one, writes the new one in place (a kill leaves a truncated ``epoch_N.pth``) and
rewrites the ``last_checkpoint`` pointer that ``--resume`` follows in place (a kill can leave it
empty). ``AtomicCheckpointHook`` keeps the stock hook's options, file names and checkpoint
content, and reorders the save:

1. the checkpoint is written to ``.{name}.tmp`` in the same directory (``Runner.save_checkpoint``,
   so the ``before_save_checkpoint`` hooks run as usual) and renamed onto ``{name}`` with
   ``os.replace`` (atomic on POSIX; the file is flushed to disk first);
2. ``last_checkpoint`` is rewritten the same way, so it always names a complete file;
3. only then are checkpoints beyond ``max_keep_ckpts`` deleted.

A kill at any point leaves ``last_checkpoint`` naming a complete checkpoint (the previous or the
new one) and at most a stray ``.*.tmp`` file, which nothing reads and the next save of that
name replaces. The ``save_best`` checkpoints and non-local back ends (``backend_args`` for
Petrel, S3 ...) use the stock code; so do runners other than mmengine's ``Runner`` (the
``FlexibleRunner`` strategies save sharded checkpoints rank by rank).
"""
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner

from sapiens_mm.registry import HOOKS
from sapiens_mm.utils.fileio import atomic_write_text

__all__ = ['AtomicCheckpointHook']


def _fsync_file(path: str) -> None:
    with open(path, 'rb') as f:
        os.fsync(f.fileno())


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) whose saves survive a kill; see the module doc."""

    def _atomic(self, runner) -> bool:
        return isinstance(runner, Runner) and isinstance(self.file_backend, LocalBackend)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not self._atomic(runner):
            return super()._save_checkpoint_with_step(runner, step, meta)
        # Bookkeeping as the stock hook (it goes into the saved message hub), deleting later.
        stale = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        tmp_filename = f'.{ckpt_filename}.tmp'
        runner.save_checkpoint(
            self.out_dir, tmp_filename, self.file_client_args,
            save_optimizer=self.save_optimizer, save_param_scheduler=self.save_param_scheduler,
            meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        tmp_path = osp.join(self.out_dir, tmp_filename)
        _fsync_file(tmp_path)
        os.replace(tmp_path, self.last_ckpt)
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old in stale:
            path = osp.join(self.out_dir, self.filename_tmpl.format(old))
            if osp.isfile(path):
                os.remove(path)
