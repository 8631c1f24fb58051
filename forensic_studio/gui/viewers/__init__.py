"""Viewers, chosen by what a result holds. Order = tab order; each decides with ``applies(result)``."""

from .audio import AudioViewer
from .fusion import FusionViewer
from .image import ImageViewer
from .layers import LayersViewer
from .metadata import MetadataViewer
from .overview import OverviewViewer
from .video import VideoViewer

VIEWERS = (OverviewViewer, ImageViewer, VideoViewer, AudioViewer, FusionViewer, MetadataViewer, LayersViewer)


def viewers_for(result) -> list[type]:
    return [viewer for viewer in VIEWERS if viewer.applies(result)]
