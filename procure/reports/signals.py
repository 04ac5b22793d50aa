from django.dispatch import Signal

# Sent once per new report snapshot, after the transaction that wrote it commits.
# Arguments: report_id.
report_generated = Signal()
