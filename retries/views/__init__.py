"""The console's transaction pages (the list, its export, each transaction's timeline and
controls) and the message log. They live in retries, the highest app whose rows they show:
transactions and failures (recovery), attempts (retries), messages (messaging) and webhooks
(payments)."""
