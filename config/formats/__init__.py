"""One date style and one time style per language (issue 17, "one clock").

Django's own locale formats mix styles ("12/07/2026 3:30 p.m." beside "Dec. 7, 2026" in
English). Each language here defines the date, the time and their combination once; the
SHORT_ variants are the same, so every template shows a moment the same way. The live chat
(static/js/chat.js) formats times from TIME_FORMAT too, so a message reads the same
received live and after a reload. Input formats stay Django's.
"""
