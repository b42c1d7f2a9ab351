"""Hand-written, consume-only readers of the shared log, fenced behind one ``LogReader``.

Outside this package use only what is exported here: the ``LogReader`` Protocol (its docstring
is the contract), ``open_log_reader`` (the factory), ``Offset``/``parse_offset``, the errors
and ``READ_ERRORS``, and ``FIRST_DELIVERY_WAIT``. The modules behind them (``amqp_frames``,
``amqp10``, ``socket_reader``, ``stream_consumer``, ``stream_protocol``) are internal.
"""
from adapters.log_readers.contract import (FIRST_DELIVERY_WAIT, READ_ERRORS, BrokerClosed,
                                           LogReader, Offset, ProtocolError, parse_offset)
from adapters.log_readers.factory import open_log_reader

__all__ = ["FIRST_DELIVERY_WAIT", "READ_ERRORS", "BrokerClosed", "LogReader", "Offset",
           "ProtocolError", "open_log_reader", "parse_offset"]
