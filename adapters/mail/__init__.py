"""Mail notification of backup commands (``mail.conf``), with the standard library's smtplib."""
