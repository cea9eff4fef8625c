from django.db import models


class PaymentMethodType(models.TextChoices):
    CARD = "card", "Card"
    UPI = "upi", "UPI"
    NETBANKING = "netbanking", "Netbanking"
    WALLET = "wallet", "Wallet"
    OTHER = "other", "Other"


class TransactionStatus(models.TextChoices):
    """failed → recovering → recovered | abandoned | cancelled."""

    FAILED = "failed", "Failed"
    RECOVERING = "recovering", "Recovering"
    RECOVERED = "recovered", "Recovered"
    ABANDONED = "abandoned", "Abandoned"
    CANCELLED = "cancelled", "Cancelled"


# A new failure never reopens these: the money came back, or the merchant called it off.
CLOSED_STATUSES = frozenset({TransactionStatus.RECOVERED, TransactionStatus.CANCELLED})
# Still being recovered: the retry engine plans and runs attempts for these (unless paused).
OPEN_STATUSES = frozenset({TransactionStatus.FAILED, TransactionStatus.RECOVERING})


class RecoveredBy(models.TextChoices):
    """What brought a recovered transaction's money back."""

    MERCHANT = "merchant", "The merchant (paid outside Tinko)"
    AUTO_CHARGE = "auto_charge", "Tinko's automatic re-charge"
    EMAIL_LINK = "email_link", "The payer, through Tinko's emailed link"
    PAYER = "payer", "The payer, on their own"


class PaymentEffect(models.TextChoices):
    """What a successful payment did to the transaction it names."""

    RECOVERED = "recovered", "Recovered it"
    MISMATCH = "mismatch", "Kept as a payment mismatch; the transaction stays open"
    ALREADY_CLOSED = "already_closed", "Nothing: the transaction was recovered or cancelled before"
    UNMATCHED = "unmatched", "Nothing: no transaction has this reference"


class TransactionEffect(models.TextChoices):
    """What recording a failure did to its transaction."""

    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    REOPENED = "reopened", "Reopened"
    NOT_REOPENED = "not_reopened", "Not reopened"
    UNCHANGED = "unchanged", "Unchanged (already recorded)"


class Category(models.TextChoices):
    """The fixed set of decline categories (declines-and-networks.md §0)."""

    FUNDS = "funds", "Funds"
    ISSUER_DECLINE = "issuer_decline", "Issuer decline"
    NETWORK = "network", "Network"
    AUTH_TIMEOUT = "auth_timeout", "Authentication / timeout"
    UPI_PENDING = "upi_pending", "UPI pending"
    CARD_INVALID = "card_invalid", "Card invalid"
    FRAUD_RISK = "fraud_risk", "Fraud risk"
    DO_NOT_RETRY = "do_not_retry", "Do not retry"
    UNKNOWN = "unknown", "Unknown"


# By definition these can never be retried on the same credential: a hard decline, data that
# must change first, or an outcome that is not final yet (a retry could double-debit).
NEVER_RETRYABLE_CATEGORIES = frozenset({Category.DO_NOT_RETRY, Category.CARD_INVALID, Category.UPI_PENDING})


class Action(models.TextChoices):
    RETRY_LATER = "retry_later", "Retry later"
    ASK_NEW_METHOD = "ask_new_method", "Ask for a new payment method"
    ASK_UPDATE_CARD = "ask_update_card", "Ask to update the card"
    CONTACT_ISSUER = "contact_issuer", "Payer contacts the issuer"
    WAIT_FOR_CONFIRMATION = "wait_for_confirmation", "Wait for confirmation"
    NONE = "none", "None"


class CodeSystem(models.TextChoices):
    """Which input a rule's code is compared with."""

    GATEWAY = "gateway", "Gateway code (failure_code)"
    ADVICE = "advice", "Gateway advice code (advice_code)"
    UPI = "upi", "NPCI UPI code (failure_code or network_decline_code, UPI payments only)"
    ISO8583 = "iso8583", "ISO 8583 response code (network_decline_code)"
    MAC = "mac", "Mastercard Merchant Advice Code (network_advice_code)"
    MESSAGE = "message", "Message pattern (fallback)"


class EventSource(models.TextChoices):
    API = "api", "API"
    WEBHOOK = "webhook", "Gateway webhook"
    RETRY = "retry", "Tinko's re-charge"
    DEMO = "demo", "Demo data"
    IMPORT = "import", "CSV import"
