"""StateKeeper on its own: plain Python, no SDK, no Salesforce."""

from __future__ import annotations

from target_salesforce_contacts.state import StateKeeper


def keeper() -> tuple[StateKeeper, list[dict]]:
    written: list[dict] = []
    return StateKeeper(written.append), written


def test_records_are_numbered_in_arrival_order_across_writers():
    state, _ = keeper()
    assert [state.record_received(w) for w in ("a", "b", "a")] == [0, 1, 2]
    assert state.oldest_pending == 0
    state.batch_written("a")
    assert state.oldest_pending == 1
    state.batch_written("b")
    assert state.oldest_pending is None


def test_a_state_with_nothing_pending_is_passed_on_at_once():
    state, written = keeper()
    state.state_received({"s": 1})
    assert written == [{"s": 1}]


def test_a_state_waits_for_the_records_before_it():
    state, written = keeper()
    state.record_received("a")
    state.state_received({"s": 1})
    state.record_received("a")
    assert written == []
    state.batch_written("a")
    assert written == [{"s": 1}]


def test_a_state_waits_for_every_writer():
    state, written = keeper()
    state.record_received("a")
    state.record_received("b")
    state.state_received({"s": 1})
    state.batch_written("b")
    assert written == []
    state.batch_written("a")
    assert written == [{"s": 1}]


def test_records_after_a_state_do_not_hold_it():
    state, written = keeper()
    state.record_received("a")
    state.batch_written("a")
    state.state_received({"s": 1})
    state.record_received("b")  # after the STATE: does not hold it
    assert written == [{"s": 1}]
    state.state_received({"s": 2})
    assert written == [{"s": 1}]
    state.batch_written("b")
    assert written == [{"s": 1}, {"s": 2}]


def test_only_the_latest_safe_state_is_written():
    state, written = keeper()
    state.record_received("a")
    state.state_received({"s": 1})
    state.state_received({"s": 2})
    state.record_received("b")
    state.state_received({"s": 3})  # waits for b
    state.batch_written("a")
    assert written == [{"s": 2}]
    state.batch_written("b")
    assert written == [{"s": 2}, {"s": 3}]


def test_a_repeated_state_is_not_queued_again():
    state, written = keeper()
    state.state_received({"s": 1})
    state.state_received({"s": 1})
    state.state_received({"s": 2})
    state.state_received({"s": 1})  # changed again: passed on again
    assert written == [{"s": 1}, {"s": 2}, {"s": 1}]


def test_a_null_state_is_not_passed_on():
    state, written = keeper()
    state.state_received(None)
    assert written == []


def test_the_queued_state_is_a_copy():
    state, written = keeper()
    state.record_received("a")
    value = {"bookmarks": {"x": 1}}
    state.state_received(value)
    value["bookmarks"]["x"] = 2
    state.batch_written("a")
    assert written == [{"bookmarks": {"x": 1}}]


def test_after_draining_the_latest_state_is_written_once():
    state, written = keeper()
    state.record_received("a")
    state.state_received({"s": 1})
    state.batch_written("a")
    state.all_written({"s": 1})  # already written: not repeated
    assert written == [{"s": 1}]
    state.all_written({"s": 2})
    assert written == [{"s": 1}, {"s": 2}]


def test_after_draining_nothing_is_written_while_records_are_pending():
    state, written = keeper()
    state.record_received("a")
    state.state_received({"s": 1})
    state.all_written({"s": 1})
    assert written == []
    state.batch_written("a")
    assert written == [{"s": 1}]


def test_draining_drops_the_queue():
    state, written = keeper()
    state.record_received("a")
    state.state_received({"s": 1})
    state.batch_written("a")
    state.record_received("a")
    state.state_received({"s": 2})
    state.batch_written("a")
    state.all_written({"s": 2})
    assert written == [{"s": 1}, {"s": 2}]


def test_a_signal_outside_a_batch_stops_at_once():
    state, _ = keeper()
    assert state.defer_stop(15) is False
    state.batch_started()
    assert state.batch_finished() is None


def test_a_signal_during_a_batch_waits_for_it():
    state, _ = keeper()
    state.batch_started()
    assert state.defer_stop(15) is True
    assert state.batch_finished() == 15


def test_after_a_batch_a_signal_is_no_longer_deferred():
    state, _ = keeper()
    state.batch_started()
    assert state.batch_finished() is None
    assert state.defer_stop(2) is False
