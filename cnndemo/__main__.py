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
    if event.kind == "prepare":
        print("preparing the data (drawing pen digits takes about 30 s the first time)", flush=True)
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
    from cnndemo.cards import WeightsError, card_totals, read_card
    from cnndemo.checkpoint import SHIPPED_WEIGHTS_DIR

    print("| model | params | input | MNIST test accuracy | test loss | pen test accuracy | data | epochs | "
          "precision | train time |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |")
    for name in list_models():
        info = model_info(name)
        try:
            card = read_card(SHIPPED_WEIGHTS_DIR, name)
            epochs, seconds = card_totals(card)  # a fine-tuned card counts the runs before it too
            pen = card.get("tests", {}).get("pen", {}).get("accuracy")
            trained = (f"{card['test_accuracy']:.2%} | {card['test_loss']:.4f} | "
                       f"{'-' if pen is None else f'{pen:.2%}'} | {card['recipe'].get('data', 'mnist')} | {epochs} | "
                       f"{card['recipe']['precision']} | {seconds / 60:.0f} min")
        except (WeightsError, KeyError, TypeError):
            trained = "no weights | | | | | |"
        print(f"| {info.display_name} | {info.expected_params:,} | {info.input_size}x{info.input_size} | {trained} |")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from cnndemo.messages import CnnDemoError
    from cnndemo.training.config import TrainConfig

    config = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)})
    try:
        config.check()  # before TensorFlow loads: a bad recipe is refused at once
    except CnnDemoError as error:
        print(f"error: {_word(error)}", file=sys.stderr)
        return 2
    from cnndemo.cards import build_card
    from cnndemo.checkpoint import save_weights
    from cnndemo.precision import configure_devices
    from cnndemo.training import train

    print(configure_devices(), flush=True)
    result = train(config, on_event=_print_event if not args.quiet else None, event_interval_s=args.log_every)
    print(_result_line(result), flush=True)
    if result.status == "diverged":
        return 1
    if args.out:
        path = save_weights(result.model, build_card(result), args.out, config.model)
        print(f"saved {path}", flush=True)
    return 0


def _result_line(result) -> str:
    if result.status == "diverged":
        d = result.divergence
        return f"diverged: loss {d['loss']} at epoch {d['epoch']}, step {d['step']}; nothing saved"
    tests = ", ".join(f"{name} test accuracy {t.accuracy:.2%} (loss {t.loss:.4f})" for name, t in result.tests.items())
    return (f"{result.status} after {result.images_seen:,} images ({result.epochs_completed} full epochs) "
            f"in {result.train_seconds:.0f} s" + (f": {tests}" if tests else ""))


def _word(error) -> str:
    """An error's message in English, from the catalogue the web UI uses too."""
    try:
        from locales import word

        return word(error.code, error.params, "en")
    except (ImportError, KeyError):
        return str(error)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from cnndemo.checkpoint import load_weights
    from cnndemo.data.sets import training_sets
    from cnndemo.precision import choose_precision, configure_devices
    from cnndemo.registry import create_model
    from cnndemo.training import evaluate_sets

    configure_devices()
    try:
        names = [resolve_name(name) for name in args.models] or list_models()
    except ValueError as error:
        print(f"error: {_word(error)}", file=sys.stderr)
        return 2
    sets = training_sets(args.data, validation_images=0)
    for name in names:
        model = create_model(name, dtype=choose_precision(args.precision))
        card = load_weights(model, args.weights, name)
        tests = evaluate_sets(model, sets)
        print(json.dumps({"model": name, "precision": choose_precision(args.precision),
                          **{f"{test}_loss": round(t.loss, 4) for test, t in tests.items()},
                          **{f"{test}_accuracy": t.accuracy for test, t in tests.items()},
                          "card_test_accuracy": card.get("test_accuracy"),
                          "card_pen_accuracy": card.get("tests", {}).get("pen", {}).get("accuracy")}), flush=True)
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
    from cnndemo.data.sets import DATA_MIXES
    from cnndemo.precision import PRECISIONS
    from cnndemo.training.config import AUGMENTATIONS, OPTIMIZERS, SCHEDULES, TrainConfig

    parser = argparse.ArgumentParser(prog="python -m cnndemo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the registered models and their shipped weights' results").set_defaults(func=_cmd_list)

    defaults = TrainConfig()
    p = commands.add_parser("train", help="train one model and (with --out) save weights and card")
    p.add_argument("--model", required=True, choices=list_models())
    p.add_argument("--epochs", type=int, default=defaults.epochs)
    p.add_argument("--batch-size", dest="batch_size", type=int, default=defaults.batch_size)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer)
    p.add_argument("--learning-rate", "--lr", dest="learning_rate", type=float, default=defaults.learning_rate)
    p.add_argument("--train-images", dest="train_images", type=int, default=defaults.train_images)
    p.add_argument("--precision", choices=PRECISIONS, default=defaults.precision)
    p.add_argument("--schedule", choices=SCHEDULES, default=defaults.schedule)
    p.add_argument("--augment", nargs="?", const="affine", default=defaults.augment, choices=AUGMENTATIONS,
                   help="none | affine (--augment alone: rotations, zooms, shifts) | handwriting (stroke width, "
                        "elastic and affine changes)")
    p.add_argument("--data", choices=DATA_MIXES, default=defaults.data,
                   help="mnist, or mnist+pen: MNIST plus pen-drawn digits of 20 writers, drawn as on the pad")
    p.add_argument("--pen-copies", dest="pen_copies", type=int, default=defaults.pen_copies,
                   help="with mnist+pen: renderings of each pen digit")
    p.add_argument("--validation-images", dest="validation_images", type=int, default=defaults.validation_images)
    p.add_argument("--validations-per-epoch", dest="validations_per_epoch", type=int, default=defaults.validations_per_epoch)
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--init-from", dest="init_from", default=defaults.init_from, metavar="DIR",
                   help="go on training the weights whose card is in DIR (fine-tuning) instead of random ones")
    p.add_argument("--ema-momentum", dest="ema_momentum", type=float, default=defaults.ema_momentum,
                   help="end with a moving average of the weights (e.g. 0.998; 0 = the last step's weights)")
    p.add_argument("--out", help="directory for weights and card, e.g. weights/")
    p.add_argument("--log-every", dest="log_every", type=float, default=10.0, help="seconds between progress lines")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_train)

    p = commands.add_parser("evaluate", help="test loss and accuracy of saved weights on the held-out sets")
    p.add_argument("models", nargs="*", metavar="MODEL", help=f"any of {list_models()} (default: all)")
    p.add_argument("--weights", default=str(SHIPPED_WEIGHTS_DIR))
    p.add_argument("--precision", choices=PRECISIONS, default="float32")
    p.add_argument("--data", choices=DATA_MIXES, default="mnist+pen",
                   help="mnist: the 10,000 MNIST test digits; mnist+pen: also the held-out pen writers")
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
