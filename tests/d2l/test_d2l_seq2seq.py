"""Machine translation helpers of chapter 9 on a small English-French fixture written
here in the real file's format (``fra-eng.zip`` holding ``fra-eng/fra.txt``, one
``English<TAB>French`` pair a line); the numbers of the real file are checked only when it
is found (``slow`` test, see the end)."""
import hashlib
import os
import zipfile

import numpy as np
import pytest

import ember
from ember import d2l

FRA_ENG_SHA1 = "94646ad1522d915e7b0f9296181140edcf86a4f5"

PAIRS = [("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours\u202f!"), ("Run!", "Courez\u202f!"),
         ("Who?", "Qui ?"), ("Wow!", "Ça alors\u202f!"), ("I lost.", "J'ai perdu."),
         ("He's calm.", "Il est calme."), ("I'm home.", "Je suis chez moi."),
         ("Go now.", "Va maintenant.")]


def write_fra_eng(folder, pairs=PAIRS):
    """Write ``fra-eng.zip`` (``fra-eng/fra.txt`` inside) into ``folder``; its SHA-1."""
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{en}\t{fr}\n" for en, fr in pairs)
    path = folder / "fra-eng.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("fra-eng/fra.txt", text)
    return hashlib.sha1(path.read_bytes()).hexdigest()


@pytest.fixture
def fra_eng(tmp_path, monkeypatch):
    """The fixture in ``../data`` seen from a fresh working folder (where the book keeps
    its data), registered in the hub under its own SHA-1; EMBER_DATA and the cache empty."""
    sha1 = write_fra_eng(tmp_path / "data")
    url = d2l.DATA_HUB["fra-eng"][0]
    monkeypatch.setitem(d2l.DATA_HUB, "fra-eng", (url, sha1))
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "data"


def test_the_hub_knows_fra_eng():
    assert d2l.DATA_HUB["fra-eng"] == (d2l.DATA_URL + "fra-eng.zip", FRA_ENG_SHA1)


def test_download_extract_finds_the_books_data_folder(fra_eng):
    folder = d2l.download_extract("fra-eng")
    assert folder == os.path.join("..", "data", "fra-eng")
    assert os.path.isfile(os.path.join(folder, "fra.txt"))
    assert d2l.download_extract("fra-eng", "fra-eng") == folder
    text = d2l.read_data_nmt()
    assert text.startswith("Go.\tVa !\nHi.\tSalut !\n")


def test_download_extract_cache_dir_and_archive_types(fra_eng, tmp_path, monkeypatch):
    mine = tmp_path / "mine"
    write_fra_eng(mine)
    assert d2l.download_extract("fra-eng", cache_dir=mine) == str(mine / "fra-eng")
    import tarfile
    payload = tmp_path / "payload.txt"
    payload.write_text("x")
    tar = tmp_path / "t" / "thing.tar.gz"
    tar.parent.mkdir()
    with tarfile.open(tar, "w:gz") as t:
        t.add(payload, arcname="thing/payload.txt")
    monkeypatch.setitem(d2l.DATA_HUB, "thing", ("http://x/thing.tar.gz",
                                                hashlib.sha1(tar.read_bytes()).hexdigest()))
    assert d2l.download_extract("thing", data_dir=tar.parent) == str(tar.parent / "thing")
    assert (tar.parent / "thing" / "payload.txt").read_text() == "x"
    odd = tmp_path / "o" / "odd.dat"
    odd.parent.mkdir()
    odd.write_bytes(b"1")
    monkeypatch.setitem(d2l.DATA_HUB, "odd", ("http://x/odd.dat",
                                              hashlib.sha1(b"1").hexdigest()))
    with pytest.raises(ValueError, match="only zip and tar"):
        d2l.download_extract("odd", data_dir=odd.parent)


def test_preprocess_and_tokenize_nmt(fra_eng):
    text = d2l.preprocess_nmt(d2l.read_data_nmt())
    lines = text.split("\n")
    assert lines[0] == "go .\tva !"
    assert lines[2] == "run !\tcours !"  # narrow no-break space became a space
    assert lines[5] == "wow !\tça alors !"
    assert d2l.preprocess_nmt("a,b.\xa0c!") == "a ,b . c !"
    source, target = d2l.tokenize_nmt(text)
    assert len(source) == len(target) == len(PAIRS)  # the empty last line is skipped
    assert source[:2] == [["go", "."], ["hi", "."]]
    assert target[6] == ["j'ai", "perdu", "."]
    # As in the book, num_examples=n reads lines 0..n.
    assert len(d2l.tokenize_nmt(text, num_examples=3)[0]) == 4


def test_truncate_pad_and_build_array_nmt(fra_eng):
    assert d2l.truncate_pad([1, 2, 3], 5, 0) == [1, 2, 3, 0, 0]
    assert d2l.truncate_pad([1, 2, 3, 4, 5, 6], 4, 0) == [1, 2, 3, 4]
    source, _ = d2l.tokenize_nmt(d2l.preprocess_nmt(d2l.read_data_nmt()))
    vocab = d2l.Vocab(source, min_freq=2, reserved_tokens=["<pad>", "<bos>", "<eos>"])
    assert vocab.idx_to_token[:4] == ["<unk>", "<pad>", "<bos>", "<eos>"]
    array, valid_len = d2l.build_array_nmt(source, vocab, 3)
    assert array.shape == (len(PAIRS), 3) and array.dtype == ember.int64
    first = vocab[["go", "."]] + [vocab["<eos>"]]
    assert array[0].tolist() == first
    assert valid_len.tolist()[:3] == [3, 3, 3]
    array, valid_len = d2l.build_array_nmt([["go"]], vocab, 4)
    assert array.tolist() == [[vocab["go"], 3, 1, 1]] and valid_len.tolist() == [2]


def test_load_data_nmt(fra_eng):
    data_iter, src_vocab, tgt_vocab = d2l.load_data_nmt(batch_size=2, num_steps=8)
    batches = list(data_iter)
    assert len(batches) == len(PAIRS) // 2
    X, X_valid_len, Y, Y_valid_len = batches[0]
    assert X.shape == Y.shape == (2, 8) and X.dtype == Y.dtype == ember.int64
    assert X_valid_len.shape == (2,)
    assert (X_valid_len == (X != src_vocab["<pad>"]).sum(1)).all()
    assert "go" in src_vocab.token_to_idx and "va" in tgt_vocab.token_to_idx


def test_sequence_mask_in_place_and_value():
    X = ember.tensor([[1, 2, 3], [4, 5, 6]])
    out = d2l.sequence_mask(X, ember.tensor([1, 2]))
    assert out is X and X.tolist() == [[1, 0, 0], [4, 5, 0]]
    X = ember.ones(2, 3, 4)
    assert d2l.sequence_mask(X, ember.tensor([1, 2]), value=-1)[:, :, 0].tolist() == \
        [[1, -1, -1], [1, 1, -1]]


def test_masked_softmax_ce_loss_against_torch(torch):
    rng = np.random.default_rng(0)
    pred = rng.standard_normal((3, 4, 10)).astype(np.float32)
    label = rng.integers(0, 10, (3, 4))
    valid = np.array([4, 2, 0])
    loss = d2l.MaskedSoftmaxCELoss()
    p = ember.tensor(pred, requires_grad=True)
    out = loss(p, ember.tensor(label), ember.tensor(valid))
    out.sum().backward()
    tp = torch.tensor(pred, requires_grad=True)
    ce = torch.nn.functional.cross_entropy(tp.permute(0, 2, 1), torch.tensor(label),
                                           reduction="none")
    mask = torch.arange(4)[None, :] < torch.tensor(valid)[:, None]
    expected = (ce * mask).mean(dim=1)
    expected.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)
    # The book's check: the all-ones prediction of 10 classes with 4, 2, 0 valid steps.
    out = loss(ember.ones(3, 4, 10), ember.ones((3, 4), dtype=ember.long),
               ember.tensor([4, 2, 0]))
    np.testing.assert_allclose(out.numpy(), [2.3026, 1.1513, 0.0], atol=1e-4)


def test_bleu_known_values():
    assert d2l.bleu("va !", "va !", k=2) == 1.0
    assert d2l.bleu("il est bon .", "il est calme .", k=2) == pytest.approx(0.658, abs=1e-3)
    # A short prediction is penalized: exp(1 - 4/2), times the precisions of "je suis".
    assert d2l.bleu("je suis", "je suis chez moi", k=2) == pytest.approx(np.exp(-1.0))
    # Each label n-gram matches at most once (clipping).
    assert d2l.bleu("a a a a", "a b c d", k=1) == pytest.approx(0.25 ** 0.5)


def test_encoder_decoder_interfaces():
    with pytest.raises(NotImplementedError):
        d2l.Encoder()(ember.zeros(1))
    with pytest.raises(NotImplementedError):
        d2l.Decoder().init_state(None)

    class Enc(d2l.Encoder):
        def forward(self, X, *args):
            return X * 2

    class Dec(d2l.Decoder):
        def init_state(self, enc_outputs, *args):
            return enc_outputs + len(args)

        def forward(self, X, state):
            return X + state, state

    net = d2l.EncoderDecoder(Enc(), Dec())
    out, state = net(ember.ones(2), ember.ones(2), "valid_len")
    assert out.tolist() == [4.0, 4.0] and state.tolist() == [3.0, 3.0]
    assert [name for name, _ in net.named_children()] == ["encoder", "decoder"]


def _need_recurrent_layers():
    if not (hasattr(ember.nn, "GRU") and hasattr(ember.nn, "Embedding")):
        pytest.skip("nn.GRU / nn.Embedding are not in this build of ember yet")


def test_seq2seq_encoder_shapes():
    _need_recurrent_layers()
    encoder = d2l.Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    encoder.eval()
    output, state = encoder(ember.zeros((4, 7), dtype=ember.long))
    assert output.shape == (7, 4, 16) and state.shape == (2, 4, 16)


@pytest.mark.slow
def test_the_real_fra_eng_file():
    """Needs the real fra-eng.zip (the book's ../data, $EMBER_DATA or the cache)."""
    try:
        text = d2l.read_data_nmt()
    except RuntimeError as e:
        pytest.skip(f"the real fra-eng.zip was not found (or downloaded): {e}")
    assert text[:75].startswith("Go.\tVa !\nHi.\tSalut !\nRun!\tCours\u202f!\n")
    source, target = d2l.tokenize_nmt(d2l.preprocess_nmt(text))
    assert source[:3] == [["go", "."], ["hi", "."], ["run", "!"]]
    assert target[:3] == [["va", "!"], ["salut", "!"], ["cours", "!"]]
    src_vocab = d2l.Vocab(source, min_freq=2, reserved_tokens=["<pad>", "<bos>", "<eos>"])
    assert len(src_vocab) == 10012  # the book's printed size
    train_iter, src_vocab, tgt_vocab = d2l.load_data_nmt(batch_size=2, num_steps=8)
    X, X_valid_len, Y, Y_valid_len = next(iter(train_iter))
    assert X.shape == Y.shape == (2, 8)


def test_find_data_looks_without_downloading(fra_eng, tmp_path):
    assert d2l.find_data("fra-eng") == os.path.join("..", "data", "fra-eng.zip")
    looked = []
    assert d2l.find_data("fra-eng", data_dir=tmp_path / "none", cache_dir=tmp_path / "c",
                         looked=looked) is None
    assert str(tmp_path / "none" / "fra-eng.zip") == looked[0]
    assert not (tmp_path / "c").exists()  # nothing created, nothing downloaded
