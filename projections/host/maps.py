"""Dictionary-map area: the volumes of the last map refresh (``drmfsdisplay``) and what they
say about copy groups (type, generation, the P-VOL's mount point)."""
from __future__ import annotations

from events.maps import DictionaryMapRefreshed, VolumeMap
from projections.host.area import AreaFold
from projections.host_view import HostView

fold = AreaFold("dictionary maps")


@fold.on(DictionaryMapRefreshed)
def maps_refreshed(view: HostView, event: DictionaryMapRefreshed, seq: int) -> None:
    volumes = [VolumeMap.model_validate(volume) for volume in event.volumes]  # rare: typed
    view.volumes = {volume.mount_point: volume for volume in volumes}
    view.maps_refreshed_seq = seq
    for volume in volumes:
        for group in volume.copy_groups:
            state = view.copy_group(group.copy_group)
            state.copy_type, state.generation = group.copy_type, group.generation
            if group.role == "P-VOL":
                state.mount_point = volume.mount_point
