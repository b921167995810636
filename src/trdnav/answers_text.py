"""Reading an answers document from JSON or YAML text without silently losing a repeated key.

Plain readers keep the last value of a key given twice; these keep every value in view
(`trdnav.core.answers.RepeatedKeys`), so that the contract check refuses the document naming the
key, and a PHQ-9 given twice still raises its alert.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from trdnav.core.answers import object_from_pairs


def _not_json(text: str) -> None:
    raise ValueError(f"{text} is not a JSON value")


# NaN and Infinity are not JSON (RFC 8259): refused with ValueError.
JSON_DECODER = json.JSONDecoder(object_pairs_hook=object_from_pairs, parse_constant=_not_json)


class _YamlLoader(yaml.SafeLoader):
    """The safe loader, building mappings with `object_from_pairs`."""


def _mapping(loader: _YamlLoader, node: yaml.MappingNode) -> dict[object, object]:
    loader.flatten_mapping(node)
    pairs = [
        (loader.construct_object(key, deep=True), loader.construct_object(value, deep=True))
        for key, value in node.value
    ]
    try:
        return object_from_pairs(pairs)
    except TypeError as error:
        raise yaml.constructor.ConstructorError(None, None, str(error), node.start_mark) from None


_YamlLoader.add_constructor("tag:yaml.org,2002:map", _mapping)


def read_yaml(text: str) -> Any:
    """Parse YAML safely; raise yaml.YAMLError if it is not valid YAML."""
    return yaml.load(text, Loader=_YamlLoader)
