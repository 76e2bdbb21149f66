"""The key of an offline draft or waiting save names the record it is about, and nothing else."""

from ojodeagua.lib.outbox import outbox_key


def test_the_key_names_each_part_in_order():
    key = outbox_key("integrity", cycle=4, risk="R01", participant=9)
    assert key == "integrity:cycle-4:risk-R01:participant-9"


def test_two_records_never_share_a_key():
    assert outbox_key("integrity", cycle=4, risk="R01", participant=9) != outbox_key(
        "integrity", cycle=4, risk="R02", participant=9
    )
    # A value cannot pose as a separator and run into the next part.
    assert outbox_key("books", provider="1:payment-2") != outbox_key("books", provider=1, payment=2)
    assert outbox_key("books", provider="1:payment-2") == "books:provider-1_payment-2"


def test_numbers_carry_no_thousands_separator():
    assert outbox_key("books", provider=1234567, payment=None) == (
        "books:provider-1234567:payment-None"
    )
