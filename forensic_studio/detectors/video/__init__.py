"""Video detectors.  Importing this package registers each of them (order = report order).

Layers that look at frames define ``watch(media, ctx)``: the pipeline walks the
stream once and hands every decoded frame to each watcher, then calls
``analyze`` as for any layer. ``face_tracks`` reads the ``video_faces`` result,
so it is registered after it.
"""

from . import container, faces, model_packs, temporal, flow, lipsync  # noqa: F401
