# %% [markdown]
# # Training a CNN on handwritten digits
#
# The other pages take one tiny network apart and check every gradient of it by hand. This one
# asks the question that matters in the end: assembled from those same functions, does a
# convolutional network actually learn? It trains a small CNN on the handwritten digits that
# scikit-learn ships with, using nothing but the layers and the optimizer of
# [`cnnbp.nn`](../../reference/nn/), and sets itself a goal: at least 98 % accuracy on digits the
# network never saw during training, after at most 2 seconds of training on a two-core machine,
# and the very same result, bit for bit, every time the page runs.

# %%
# %matplotlib inline
import hashlib
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

import cnnbp
from cnnbp import nn
from cnnbp.viz import show_matrix

GOAL_ACCURACY, GOAL_SECONDS = 0.98, 2.0  # the goals stated above
SEED = 0  # one seed drives the split, the initial weights and the batch order
DTYPE = np.float32  # cnnbp keeps float32 as float32: half the memory traffic of float64

digits = load_digits()
print(f"{len(digits.images)} images of {digits.images.shape[1]}x{digits.images.shape[2]} pixels, "
      f"grey levels {digits.images.min():.0f}..{digits.images.max():.0f}, "
      f"classes {np.unique(digits.target).tolist()}")

# %% [markdown]
# ## The data
#
# The images come with scikit-learn, so nothing is downloaded. Each one is a digit written by
# hand, scanned, and reduced to a tiny grid by counting the inked pixels in small blocks (hence
# the whole-number grey levels printed above). The network wants the NCHW layout
# that every cnnbp function uses, with a single channel, and pixel values scaled to $[0, 1]$.
# A quarter of the images, drawn with the same seed every time and in the same proportion for
# every digit (stratified), is held out as the test set.

# %%
x_all = (digits.images / digits.images.max()).astype(DTYPE)[:, None, :, :]  # (N, 1, 8, 8)
y_all = digits.target
x_train, x_test, y_train, y_test = train_test_split(
    x_all, y_all, test_size=0.25, random_state=SEED, stratify=y_all)
print(f"train: x {x_train.shape}, y {y_train.shape};  test: x {x_test.shape}, y {y_test.shape}")

fig, axes = plt.subplots(1, 10, figsize=(10, 1.4), layout="constrained")
for digit, ax in enumerate(axes):
    ax.imshow(x_train[np.flatnonzero(y_train == digit)[0], 0], cmap="gray_r")
    ax.set_title(str(digit))
    ax.axis("off")
fig.suptitle("one training image per class")

# %% [markdown]
# ## The network
#
# One convolution layer is enough for images this small: 32 kernels of $3\times3$ with padding 1
# keep the $8\times8$ size, a ReLU follows, and a $2\times2$ max-pool halves each side. A hidden
# fully connected layer with a ReLU and a final layer with one output per digit turn the pooled
# maps into ten scores (logits); softmax cross-entropy compares them with the labels. The weights
# start from He initialisation (a normal with standard deviation $\sqrt{2/\text{fan}_\text{in}}$,
# suited to ReLU); the last layer, which feeds no ReLU, uses Glorot's uniform range instead.
#
# All layers draw their initial weights from one random generator, seeded with `SEED`, and
# the same generator then shuffles the batches, so one number fixes the whole run.


# %%
N_KERNELS = 32


def make_net(rng):
    """The CNN of this page, its weights drawn from `rng`."""
    return nn.Sequential(
        nn.Conv2d(1, N_KERNELS, 3, padding=1, rng=rng, dtype=DTYPE),  # -> (N, 32, 8, 8)
        nn.ReLU(),
        nn.MaxPool2d(2),  # -> (N, 32, 4, 4)
        nn.Flatten(),  # -> (N, 512)
        nn.Linear(N_KERNELS * 4 * 4, 64, rng=rng, dtype=DTYPE),  # -> (N, 64)
        nn.ReLU(),
        nn.Linear(64, 10, init="glorot", rng=rng, dtype=DTYPE),  # -> (N, 10) logits
    )


probe = make_net(np.random.default_rng(SEED))
h = x_train[:2]
print(f"{'input':<44} {h.shape}")
for layer in probe:
    h = layer.forward(h)
    print(f"{layer!r:<44} {h.shape}")
n_params = sum(p.size for m in probe.modules() for p in m.params.values())
print(f"{n_params} parameters")

# %% [markdown]
# ## Training
#
# Training is plain minibatch SGD with momentum, exactly the loop of the
# [whole-loop page](../../example/06_whole_loop/), repeated over shuffled batches:
#
# 1. `opt.zero_grad()` clears the gradients the layers accumulate;
# 2. `net.forward(x)` runs the layers in order, each caching what its backward pass needs;
# 3. `loss_fn.forward(logits, y)` gives the mean cross-entropy of the batch;
# 4. `net.backward(loss_fn.backward())` walks back through the layers: `linear_backward`,
#    `relu_backward`, `max_pool2d_backward` and `conv2d_backward`, the functions the other pages
#    check against finite differences, each adding its parameter gradients into the layer;
# 5. `opt.step()` moves every parameter against its gradient, smoothed by momentum (a running
#    sum of past gradients, each older one weighted down by another factor of 0.9).
#
# The learning rate follows half a cosine, from its starting value down towards zero over the
# epochs: large steps early, small ones at the end to settle. After each epoch the function records
# the mean training loss, the training accuracy (counted on the fly, while the weights were still
# moving) and the test accuracy.
#
# The matrices here are small (a batch of a few dozen images), so the function asks the BLAS
# library for one thread: splitting such products between threads costs more than it saves,
# and on a busy machine waiting threads can make training many times slower. One thread also
# takes the number of cores out of the result: how BLAS splits a product between threads can
# change the order of its sums, and with it the last bits of the answer.

# %%
EPOCHS, BATCH_SIZE, LR, MOMENTUM = 12, 64, 0.1, 0.9
assert MOMENTUM == 0.9  # the factor named in step 5 above


def accuracy(net, x, y):
    """Fraction of the images in `x` whose largest logit is at their label."""
    return float(np.mean(net.forward(x).argmax(axis=1) == y))


def train(seed=SEED, epochs=EPOCHS, batch_size=BATCH_SIZE, lr=LR, momentum=MOMENTUM):
    """Train a fresh `make_net` on (x_train, y_train); return it and the per-epoch history."""
    rng = np.random.default_rng(seed)
    net = make_net(rng)
    loss_fn = nn.SoftmaxCrossEntropy()
    opt = nn.SGD(net, lr=lr, momentum=momentum)
    history = {"loss": [], "train_acc": [], "test_acc": []}
    with threadpool_limits(limits=1, user_api="blas"):
        for epoch in range(epochs):
            opt.lr = lr * 0.5 * (1 + np.cos(np.pi * epoch / epochs))
            order = rng.permutation(len(x_train))
            loss_sum, correct = 0.0, 0
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                opt.zero_grad()
                logits = net.forward(x_train[batch])
                loss_sum += loss_fn.forward(logits, y_train[batch]) * len(batch)
                correct += int(np.sum(logits.argmax(axis=1) == y_train[batch]))
                net.backward(loss_fn.backward())
                opt.step()
            history["loss"].append(loss_sum / len(order))
            history["train_acc"].append(correct / len(order))
            history["test_acc"].append(accuracy(net, x_test, y_test))
    return net, history


start, start_cpu = time.perf_counter(), time.process_time()
net, history = train()
train_seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - start_cpu
print(f"{EPOCHS} epochs of {-(-len(x_train) // BATCH_SIZE)} batches")
print(f"training time: {train_seconds:.2f} s wall clock, {cpu_seconds:.2f} s CPU "
      f"(goal: at most {GOAL_SECONDS:.0f} s; {'met' if train_seconds <= GOAL_SECONDS else 'NOT met'}"
      f" on this run)")

# %% [markdown]
# The time includes the test-set evaluation after every epoch. It is measured on whatever
# machine built this page, so it varies from build to build. The wall-clock time is the one the
# goal is about; it also counts the moments the process waited for a CPU busy with other work
# (the site builds its pages several at a time). The CPU time counts only the computing this
# process did, so on a busy machine it is the better guide to how long training takes on an
# idle one. The accuracy below does not vary at all.

# %%
acc = accuracy(net, x_test, y_test)
print(f"test accuracy: {100 * acc:.1f}%")
assert acc >= GOAL_ACCURACY

# %% [markdown]
# The goal of at least 98 % holds (the cell above asserts it, so the page would fail to build
# otherwise). Be fair to the number: with no separate validation set, the few settings above
# (the number of kernels, the hidden layer, the batch size, the number of epochs, the learning
# rate) were chosen by looking at test results, so it is a slightly optimistic estimate of the
# accuracy on new digits.
#
# ## The curves

# %%
epochs = np.arange(1, EPOCHS + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
ax_loss.plot(epochs, history["loss"], "o-")
ax_loss.set_yscale("log")
ax_loss.set(xlabel="epoch", ylabel="mean training loss (log scale)", title="cross-entropy")
ax_acc.plot(epochs, 100 * np.array(history["train_acc"]), "o-", label="train (during the epoch)")
ax_acc.plot(epochs, 100 * np.array(history["test_acc"]), "s-", label="test (after the epoch)")
ax_acc.axhline(100 * GOAL_ACCURACY, color="grey", ls="--", lw=1, label="goal")
lowest = 100 * min(history["train_acc"] + history["test_acc"])
ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy", ylim=(lowest - 2, 100.5))
ax_acc.legend(loc="lower right")
for ax in (ax_loss, ax_acc):
    ax.set_xticks(epochs)
    ax.grid(alpha=0.3)
print(f"loss: epoch 1 {history['loss'][0]:.3f} -> epoch {EPOCHS} {history['loss'][-1]:.4f}")
print(f"test accuracy: epoch 1 {100 * history['test_acc'][0]:.1f}% -> "
      f"epoch {EPOCHS} {100 * history['test_acc'][-1]:.1f}%")

# %% [markdown]
# ## Reproducible to the last bit
#
# Nothing in the run depends on anything but `SEED`: the split, the initial weights and the order
# of the batches all come from it, and the arithmetic is done in a fixed order on one thread. So
# a fingerprint of the final weights, a hash of their raw bytes, comes out identical every time
# the page runs on the same machine and library versions. `tests/test_training.py` runs this page,
# trains a second network with the same seed and checks that every weight is equal, bit for bit.
# (A different CPU may pick different BLAS kernels, which round differently in the last bits.)


# %%
def fingerprint(net):
    """SHA-256 of every parameter's bytes, in layer order (first 16 hex digits)."""
    digest = hashlib.sha256()
    for m in net.modules():
        for key in sorted(m.params):
            digest.update(m.params[key].tobytes())
    return digest.hexdigest()[:16]


print("weights fingerprint:", fingerprint(net))

# %% [markdown]
# ## What the kernels learned
#
# On the left, the $3\times3$ kernels of the convolution layer (red positive, blue negative, each
# on its own scale). On the right, what each one makes of a test digit: its map after the ReLU,
# in the same position of the grid, computed with `cnnbp.conv2d` and `cnnbp.relu` from the
# trained weights. A kernel with a positive side next to a negative side responds where the ink
# begins or ends in that direction: a small edge detector.

# %%
w, b = net[0].params["w"], net[0].params["b"]  # (32, 1, 3, 3), (32,)
example = x_test[:1]  # (1, 1, 8, 8)
maps = cnnbp.relu(cnnbp.conv2d(example, w, b, padding=1))[0]  # (32, 8, 8)
fig = plt.figure(figsize=(11, 3.2), layout="constrained")
left, right = fig.subfigures(1, 2)
for subfig, images, cmap, title in ((left, w[:, 0], "RdBu_r", "kernels"),
                                     (right, maps, "gray_r", f"ReLU maps for a test {y_test[0]}")):
    axes = subfig.subplots(4, N_KERNELS // 4)
    for image, ax in zip(images, axes.flat, strict=True):
        lim = np.abs(image).max() or 1.0
        ax.imshow(image, cmap=cmap, vmin=-lim if cmap == "RdBu_r" else 0, vmax=lim)
        ax.axis("off")
    subfig.suptitle(title)

# %% [markdown]
# ## Where it goes wrong
#
# The confusion matrix counts, for every true digit (rows), what the network predicted (columns).
# The diagonal holds the correct answers; every outlined cell off the diagonal is a kind of
# mistake.

# %%
probs = cnnbp.softmax(net.forward(x_test))  # (N_test, 10)
pred = probs.argmax(axis=1)
cm = confusion_matrix(y_test, pred, labels=range(10))
assert cm.trace() == np.sum(pred == y_test)
fig, ax = plt.subplots(figsize=(5.6, 5.2), layout="constrained")
show_matrix(cm, ax=ax, fmt="{:.0f}", mark=(cm > 0) & ~np.eye(10, dtype=bool),
            title="confusion matrix (test set)")
ax.set(xlabel="predicted digit", ylabel="true digit")
print(f"{cm.trace()} of {cm.sum()} test digits right, {cm.sum() - cm.trace()} wrong")

# %% [markdown]
# And here are the misclassified digits themselves, each with the true label, the network's
# answer and the probability the softmax gave that answer. Several are hard to read even for a
# person: at $8\times8$ pixels a sloppy stroke is all it takes.

# %%
wrong = np.flatnonzero(pred != y_test)
n_rows = -(-len(wrong) // 7)  # at most 7 per row, so that the labels stay readable
n_cols = -(-len(wrong) // n_rows)
fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.1 * n_cols, 1.75 * n_rows),
                         layout="constrained", squeeze=False)
for ax in axes.flat:
    ax.axis("off")
for ax, i in zip(axes.flat, wrong, strict=False):
    ax.imshow(x_test[i, 0], cmap="gray_r")
    ax.set_title(f"true {y_test[i]}\nsaid {pred[i]} ({100 * probs[i, pred[i]]:.0f}%)", fontsize=9)

# %% [markdown]
# ## What to remember
#
# - The functions derived and checked on the other pages are enough to train a real CNN: wrapped
#   as layers, chained in a `Sequential`, driven by SGD with momentum, they reach the goal of
#   at least 98 % test accuracy on scikit-learn's digits within a handful of epochs.
# - A training step is always the same five moves: zero the gradients, forward, loss, backward,
#   step. The backward pass is the chain of `*_backward` calls in reverse layer order.
# - Seed everything from one number (split, initial weights, batch order) and keep the arithmetic
#   order fixed, and a run becomes reproducible to the bit, which makes it testable.
# - Small matrices do not need many threads: limiting BLAS to one thread is faster here and
#   keeps the results deterministic.
# - Report accuracy on held-out data, and say how the settings were chosen.
