"""Span offsets as Label Studio stores them, resolved to Python indexes.

Label Studio 1.23's UI stores code points (tests/test_browser.py measures it in a
real browser); older front ends and JavaScript tools store UTF-16 code units.
"""

from hypothesis import given
from hypothesis import strategies as st

from workbench.lsformat.offsets import Offsets, same_text


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_bmp_text_maps_one_to_one():
    assert Offsets("Police raid a compound").resolve(0, 6, "Police") == (0, 6)


def test_code_point_offsets_after_emoji_pass_through():
    text = "\U0001F6A8\U0001F6A8 Police raid"
    start = text.index("Police")
    assert Offsets(text).resolve(start, start + 6, "Police") == (start, start + 6)


def test_utf16_offsets_after_emoji_are_recognised():
    text = "\U0001F6A8\U0001F6A8 Police raid"  # two emoji: four UTF-16 units
    start16 = _utf16(text[:text.index("Police")])
    start, end = Offsets(text).resolve(start16, start16 + 6, "Police")
    assert text[start:end] == "Police"


def test_flags_skin_tones_combining_marks_and_astral_cjk():
    text = ("Flag \U0001F1F0\U0001F1ED alpha \U0001F44D\U0001F3FD bravo e\u0301 charlie "
            "\U00020000 delta")
    offsets = Offsets(text)
    for word in ("alpha", "bravo", "charlie", "delta"):
        start = text.index(word)
        assert offsets.resolve(start, start + len(word), word) == (start, start + len(word))
        start16 = _utf16(text[:start])
        resolved = offsets.resolve(start16, start16 + len(word), word)
        assert text[slice(*resolved)] == word


def test_crlf_counts_as_two_characters():
    text = "Line one\r\n\r\nPolice raided it"
    start = text.index("Police")
    assert Offsets(text).resolve(start, start + 6, "Police") == (start, start + 6)


def test_runs_of_spaces_are_recorded_as_one():
    text = "the\r\nPolice   raided it"
    start = text.index("Police")
    end = start + len("Police   raided")
    assert same_text(text[start:end], "Police raided")
    assert not same_text(text[start:end], "Police raid")


def test_a_span_that_fits_neither_is_left_for_validation_to_report():
    text = "\U0001F6A8 Police raid"
    assert Offsets(text).resolve(2, 8, "nothing like it") == (2, 8)


def test_an_offset_inside_a_surrogate_pair_maps_to_the_character_start():
    offsets = Offsets("a\U0001F600b")
    assert [offsets.from_utf16(i) for i in range(5)] == [0, 1, 1, 2, 3]


@given(st.text())
def test_utf16_round_trip_on_any_text(text):
    offsets = Offsets(text)
    for index in range(len(text) + 1):
        js = offsets.to_utf16(index)
        assert js == _utf16(text[:index])
        assert offsets.from_utf16(js) == index
