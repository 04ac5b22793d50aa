from django.dispatch import Signal

# Sent once per campaign, after the transaction that finished it commits (succeeded or failed;
# not when cancelled). Arguments: campaign_id.
campaign_finished = Signal()
