"""Attaching evidence (a photo or a PDF) to a road-map action or a checklist answer: the one
writer, shared by every way in."""

from django.db import transaction

from ojodeagua.audit.trail import record
from ojodeagua.lib.records import new_record_id

from .applicable import check_may_edit
from .models import Attachment, ComplianceAnswer, Cycle, RoadmapItem


def attach_evidence(
    user,
    cycle: Cycle,
    upload,
    *,
    caption: str = "",
    record_id: str = "",
    roadmap_item: RoadmapItem | None = None,
    compliance_answer: ComplianceAnswer | None = None,
) -> Attachment:
    """Keep a file already checked by ``lib.uploads.checked_evidence`` (which gave it a random
    name: the phone's may carry a person's name), with its audit event. If the row cannot be
    saved, the file is removed too."""
    check_may_edit(user, cycle)
    attachment = Attachment(
        cycle=cycle,
        roadmap_item=roadmap_item,
        compliance_answer=compliance_answer,
        caption=caption.strip(),
        uploaded_by=user,
        record_id=record_id or new_record_id(),
    )
    attachment.file.save(upload.name, upload, save=False)
    try:
        with transaction.atomic():
            attachment.full_clean()
            attachment.save()
            # Recorded by hand: the audit snapshot would read the file itself.
            record(
                user,
                "create",
                attachment,
                {
                    "file": attachment.file.name,
                    "caption": attachment.caption,
                    "roadmap_item": str(roadmap_item) if roadmap_item else None,
                    "compliance_answer": str(compliance_answer) if compliance_answer else None,
                },
            )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
