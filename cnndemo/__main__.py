"""Command line: ``python -m cnndemo {list,train,evaluate,predict}``.

The shipped weights in ``weights/`` were made by ``python -m cnndemo train``; their
exact commands are in ``weights/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields

from cnndemo.registry import list_models, model_info, resolve_name


def _print_event(event) -> None:
    """One progress line per event; never raises (a crash here would lose the run)."""
    if event.kind in ("start", "end"):
        return
    if event.kind == "evaluate":
        if event.seen == event.total:
            print(f"tested on {event.total:,} test images", flush=True)
        return

    def number(value) -> str:
        return "-" if value is None else f"{value:.4f}"

    line = (
        f"epoch {event.epoch} step {event.step}/{event.steps_per_epoch} "
        f"seen {event.seen}/{event.total} {event.images_per_s:.0f} img/s eta {event.eta_s:.0f}s "
        f"loss {number(event.loss)} acc {number(event.accuracy)}"
    )
    if event.val_accuracy is not None:
        line += f" | {event.kind} val_loss {number(event.val_loss)} val_acc {number(event.val_accuracy)}"
    print(line, flush=True)


def _cmd_list(args: argparse.Namespace) -> int:
    from cnndemo.checkpoint import SHIPPED_WEIGHTS_DIR, WeightsError, read_card
    from cnndemo.training import card_totals

    print("| model | params | input | shipped test accuracy | test loss | epochs | precision | train time |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for name in list_models():
        info = model_info(name)
        try:
            card = read_card(SHIPPED_WEIGHTS_DIR, name)
            epochs, seconds = card_totals(card)  # a fine-tuned card counts the runs before it too
            trained = (f"{card['test_accuracy']:.2%} | {card['test_loss']:.4f} | {epochs} | "
                       f"{card['recipe']['precision']} | {seconds / 60:.0f} min")
        except (WeightsError, KeyError, TypeError):
            trained = "no weights | | | |"
        print(f"| {info.display_name} | {info.expected_params:,} | {info.input_size}x{info.input_size} | {trained} |")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from cnndemo.checkpoint import save_weights
    from cnndemo.data import load_mnist
    from cnndemo.precision import configure_devices
    from cnndemo.training import TrainConfig, train

    print(configure_devices(), flush=True)
    config = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)})
    try:
        config.check()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    mnist = load_mnist()
    result = train(config, on_event=_print_event if not args.quiet else None, mnist=mnist, event_interval_s=args.log_every)
    print(result.message, flush=True)
    if result.status == "diverged":
        return 1
    if args.out:
        path = save_weights(result.model, result.card(mnist), args.out, config.model)
        print(f"saved {path}", flush=True)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from cnndemo.checkpoint import load_weights
    from cnndemo.data import load_mnist, to_model_input
    from cnndemo.precision import choose_precision, configure_devices
    from cnndemo.registry import create_model
    from cnndemo.training import loss_and_accuracy, predict_probabilities

    configure_devices()
    try:
        names = [resolve_name(name) for name in args.models] or list_models()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    mnist = load_mnist()
    for name in names:
        model = create_model(name, dtype=choose_precision(args.precision))
        card = load_weights(model, args.weights, name)
        probabilities = predict_probabilities(model, to_model_input(mnist.x_test))
        loss, accuracy = loss_and_accuracy(probabilities, mnist.y_test)
        print(json.dumps({"model": name, "precision": choose_precision(args.precision), "test_loss": round(loss, 4),
                          "test_accuracy": accuracy, "card_test_accuracy": card.get("test_accuracy")}), flush=True)
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from PIL import Image

    from cnndemo.predictor import Predictor
    from cnndemo.preprocess import EmptyDrawingError, preprocess

    predictor = Predictor.load(args.weights, models=[args.model])
    for path in args.images:
        try:
            digit = preprocess(Image.open(path))
        except (EmptyDrawingError, OSError) as error:
            print(f"{path}: {error}")
            continue
        output = predictor.run(args.model, digit.image)
        top = sorted(output.top_k(3).items(), key=lambda kv: -kv[1])
        print(f"{path}: " + ", ".join(f"{label} {p:.3f}" for label, p in top))
    return 0


def main(argv: list[str] | None = None) -> int:
    from cnndemo.checkpoint import SHIPPED_WEIGHTS_DIR
    from cnndemo.training import OPTIMIZERS, SCHEDULES, TrainConfig
    from cnndemo.precision import PRECISIONS

    parser = argparse.ArgumentParser(prog="python -m cnndemo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the registered models and their shipped weights' results").set_defaults(func=_cmd_list)

    defaults = TrainConfig()
    p = commands.add_parser("train", help="train one model on MNIST and (with --out) save weights and card")
    p.add_argument("--model", required=True, choices=list_models())
    p.add_argument("--epochs", type=int, default=defaults.epochs)
    p.add_argument("--batch-size", dest="batch_size", type=int, default=defaults.batch_size)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer)
    p.add_argument("--learning-rate", "--lr", dest="learning_rate", type=float, default=defaults.learning_rate)
    p.add_argument("--train-images", dest="train_images", type=int, default=defaults.train_images)
    p.add_argument("--precision", choices=PRECISIONS, default=defaults.precision)
    p.add_argument("--schedule", choices=SCHEDULES, default=defaults.schedule)
    p.add_argument("--augment", action="store_true")
    p.add_argument("--validation-images", dest="validation_images", type=int, default=defaults.validation_images)
    p.add_argument("--validations-per-epoch", dest="validations_per_epoch", type=int, default=defaults.validations_per_epoch)
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--init-from", dest="init_from", default=defaults.init_from, metavar="DIR",
                   help="go on training the weights whose card is in DIR (fine-tuning) instead of random ones")
    p.add_argument("--out", help="directory for weights and card, e.g. weights/")
    p.add_argument("--log-every", dest="log_every", type=float, default=10.0, help="seconds between progress lines")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_train)

    p = commands.add_parser("evaluate", help="test loss and accuracy of saved weights on the 10,000 test images")
    p.add_argument("models", nargs="*", metavar="MODEL", help=f"any of {list_models()} (default: all)")
    p.add_argument("--weights", default=str(SHIPPED_WEIGHTS_DIR))
    p.add_argument("--precision", choices=PRECISIONS, default="float32")
    p.set_defaults(func=_cmd_evaluate)

    p = commands.add_parser("predict", help="classify image files with saved weights")
    p.add_argument("images", nargs="+")
    p.add_argument("--model", default="simplecnn", choices=list_models())
    p.add_argument("--weights", default=str(SHIPPED_WEIGHTS_DIR))
    p.set_defaults(func=_cmd_predict)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
