"""Name similarity: word by word, a shared rare word weighing most."""

from matching.engine import standardize as std
from matching.engine.names import similarity
from matching.engine.terms import TermFrequencies


def words_of(*names):
    return TermFrequencies.of([std.company_name(n) for n in names], words=True)


def test_the_same_words_in_another_order_or_joined_are_the_same_name():
    assert similarity("nordwind energie", "energie nordwind") == 1.0
    assert similarity("nordwind energie", "nordwindenergie") == 1.0


def test_umlauts_spelled_out_typos_and_a_cut_last_word_find_their_partner():
    assert similarity("mueller bau", "muller bau") == 1.0
    assert similarity("kessler logistik", "kesler logistik") > 0.9
    assert similarity("kessler verkehrstechnik logis", "kessler verkehrstechnik logistik") > 0.9


def test_an_acronym_pairs_with_the_words_it_abbreviates():
    assert similarity("kvt logistik", "kessler verkehrs technik logistik") == 1.0
    assert similarity("ibm", "international business machines") == 1.0


def test_a_shared_common_word_says_little_and_a_shared_rare_word_much():
    common = ["acme consulting", "apex consulting", "globex consulting", "initech consulting", "umbrella consulting",
              "hooli consulting", "zorg consulting", "x group", "x partners", "vandelay consulting"]
    words = words_of(*common)
    assert similarity("acme consulting", "apex consulting", words) < 0.3
    assert similarity("x group", "x partners", words) > similarity("acme consulting", "apex consulting", words)
    assert similarity("x group", "x partners", words) < 0.85


def test_names_with_nothing_in_common_score_nothing():
    assert similarity("acme", "globex") == 0.0
