"""``RepublishEvents`` (``events.republish``): publish a stored range of the host's events again.

A query: the agent appends nothing. It reads ``from_seq..to_seq`` from its own store (the
authoritative copy, DESIGN §3) a page at a time and hands each page to the ``republisher``
adapter (``adapters.messaging.republish``), which publishes it as the outbox relay did. A range
outside ``1..head`` is refused before anything is published. A broker error propagates: the
worker requeues the request and tries again (events published twice are duplicates that
consumers drop).
"""
from __future__ import annotations

from events.republish import RepublishEvents
from services import messages
from services.agent.errors import CommandRejection
from services.agent.service import AgentContext

PAGE = 2000


def _refuse(text: str) -> CommandRejection:
    return CommandRejection(messages.PROCESSING_ERROR,
                            messages.error_text(messages.BAD_COMMAND, text))


def republish_events(args: RepublishEvents, context: AgentContext) -> dict:
    head, _ = context.store.head(context.host)
    if args.to_seq > head:
        raise _refuse(f"seq {args.from_seq}..{args.to_seq} is not in the stream of "
                      f"{context.host}, whose last seq is {head}")
    publisher = context.ports.republisher
    if publisher is None:
        raise _refuse("this agent has no broker to publish events to")
    published, after = 0, args.from_seq - 1
    while after < args.to_seq:
        page = context.store.read(context.host, after_seq=after,
                                  limit=min(PAGE, args.to_seq - after))
        if not page:
            break
        published += publisher.publish(page)
        after = page[-1].seq
    return {"republished": published, "from_seq": args.from_seq, "to_seq": args.to_seq}


REPUBLISH_QUERY_HANDLERS = ((RepublishEvents, republish_events),)
