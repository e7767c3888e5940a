"""Clothes, colours and the part classes of each solid.

``sample_outfit`` draws what a person wears; ``sample_colours`` skin, hair, eye and clothing
colours; ``dress`` gives every solid of a built body its class in the 28-class vocabulary
(:mod:`.vocab`; the person's LEFT parts become ``Left_*``), its albedo and its texture.
Clothing is a class change on the solids it covers (a sleeve turns an upper arm into
``Upper_Clothing``).
"""
import colorsys
from dataclasses import dataclass, replace

import numpy as np

from .body_model import FINGERS, Body, Outfit
from .solids import TEX_FACE, TEX_PLAIN, TEX_STRIPES, SolidSet
from .vocab import CLASS_ID

__all__ = ['Colours', 'sample_outfit', 'sample_colours', 'part_class', 'dress',
           'BODY_MODEL_CLASSES']

_SKIN = np.array([(255, 224, 196), (241, 194, 125), (224, 172, 105), (198, 134, 66),
                  (141, 85, 36), (92, 51, 23)], float) / 255
_HAIR = np.array([(20, 16, 14), (60, 40, 28), (110, 75, 45), (200, 165, 110), (150, 60, 30),
                  (160, 160, 160)], float) / 255
_IRIS = np.array([(70, 45, 25), (40, 25, 15), (70, 110, 160), (80, 110, 70), (110, 110, 110)],
                 float) / 255

# Every class some solid of the body model can take (teeth/tongue only with an open mouth,
# Apparel only with a hat or backpack).
BODY_MODEL_CLASSES = tuple(sorted(CLASS_ID[n] for n in (
    'Apparel', 'Face_Neck', 'Hair', 'Left_Foot', 'Left_Hand', 'Left_Lower_Arm', 'Left_Lower_Leg',
    'Left_Shoe', 'Left_Sock', 'Left_Upper_Arm', 'Left_Upper_Leg', 'Lower_Clothing', 'Right_Foot',
    'Right_Hand', 'Right_Lower_Arm', 'Right_Lower_Leg', 'Right_Shoe', 'Right_Sock',
    'Right_Upper_Arm', 'Right_Upper_Leg', 'Torso', 'Upper_Clothing', 'Lower_Lip', 'Upper_Lip',
    'Lower_Teeth', 'Upper_Teeth', 'Tongue')))


@dataclass
class Colours:
    """Albedos (RGB in 0..1) of one person."""
    skin: np.ndarray
    hair: np.ndarray
    iris: np.ndarray
    lips: np.ndarray
    shirt: np.ndarray
    shirt_stripe: np.ndarray
    stripes: float      # stripe period in metres, 0 = plain shirt
    pants: np.ndarray
    shoes: np.ndarray
    socks: np.ndarray
    hat: np.ndarray
    backpack: np.ndarray


def sample_outfit(rng: np.random.Generator) -> Outfit:
    shirt = rng.random() < 0.9
    return Outfit(
        shirt=bool(shirt), crop_top=bool(shirt and rng.random() < 0.08),
        sleeves=int(rng.choice(4, p=[0.15, 0.4, 0.1, 0.35])) if shirt else 0,
        bottoms=int(rng.choice(4, p=[0.05, 0.25, 0.15, 0.55])),
        footwear=str(rng.choice(['barefoot', 'socks', 'shoes', 'shoes_socks'],
                                p=[0.15, 0.15, 0.35, 0.35])),
        hair=str(rng.choice(['none', 'short', 'long'], p=[0.1, 0.6, 0.3])),
        hairline=float(rng.uniform(0.15, 0.38)), hat=bool(rng.random() < 0.15),
        backpack=bool(rng.random() < 0.15),
        mouth_open=float(rng.uniform(0.004, 0.013)) if rng.random() < 0.3 else 0.0)


def _random_colour(rng) -> np.ndarray:
    rgb = colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.05, 0.9), rng.uniform(0.12, 0.95))
    return np.array(rgb)


def sample_colours(rng: np.random.Generator) -> Colours:
    skin = np.clip(_SKIN[rng.integers(len(_SKIN))] * rng.uniform(0.9, 1.1, 3), 0, 1)
    return Colours(
        skin=skin, hair=np.clip(_HAIR[rng.integers(len(_HAIR))] * rng.uniform(0.8, 1.2), 0, 1),
        iris=_IRIS[rng.integers(len(_IRIS))],
        lips=np.clip(skin * np.array([0.85, 0.55, 0.58]) + np.array([0.12, 0.02, 0.04]), 0, 1),
        shirt=_random_colour(rng), shirt_stripe=_random_colour(rng),
        stripes=float(rng.uniform(0.025, 0.09)) if rng.random() < 0.3 else 0.0,
        pants=_random_colour(rng), shoes=_random_colour(rng) * rng.uniform(0.3, 1.0),
        socks=rng.choice([np.array([0.92, 0.92, 0.9]), np.array([0.08, 0.08, 0.1]),
                          _random_colour(rng)]),
        hat=_random_colour(rng), backpack=_random_colour(rng))


def part_class(part: str, outfit: Outfit) -> int:
    """Class id of an anatomical part (``l_``/``r_`` prefix = the person's left/right)."""
    side = {'l_': 'Left_', 'r_': 'Right_'}.get(part[:2], '')
    base = part[2:] if side else part
    clothed_top = 'Upper_Clothing'
    name = {
        'pelvis': 'Lower_Clothing',
        'abdomen': clothed_top if outfit.shirt and not outfit.crop_top else 'Torso',
        'chest': clothed_top if outfit.shirt else 'Torso',
        'shoulders': clothed_top if outfit.shirt else 'Torso',
        'neck': 'Face_Neck', 'head': 'Face_Neck', 'nose': 'Face_Neck', 'ear': 'Face_Neck',
        'upper_lip': 'Upper_Lip', 'lower_lip': 'Lower_Lip', 'upper_teeth': 'Upper_Teeth',
        'lower_teeth': 'Lower_Teeth', 'tongue': 'Tongue', 'hair': 'Hair', 'hair_long': 'Hair',
        'hat': 'Apparel', 'backpack': 'Apparel',
        'upper_arm_a': clothed_top if outfit.sleeves >= 1 else side + 'Upper_Arm',
        'upper_arm_b': clothed_top if outfit.sleeves >= 2 else side + 'Upper_Arm',
        'forearm': clothed_top if outfit.sleeves >= 3 else side + 'Lower_Arm',
        'palm': side + 'Hand',
        'thigh_a': 'Lower_Clothing' if outfit.bottoms >= 1 else side + 'Upper_Leg',
        'thigh_b': 'Lower_Clothing' if outfit.bottoms >= 2 else side + 'Upper_Leg',
        'calf': 'Lower_Clothing' if outfit.bottoms >= 3 else side + 'Lower_Leg',
        'shin': 'Lower_Clothing' if outfit.bottoms >= 3 else side + 'Lower_Leg',
        'foot': side + {'barefoot': 'Foot', 'socks': 'Sock'}.get(outfit.footwear, 'Shoe'),
        'sock': side + 'Sock',
    }.get(base)
    if name is None and base in FINGERS:
        name = side + 'Hand'
    if name is None:
        raise KeyError(f'unknown body part {part!r}')
    return CLASS_ID[name]


def dress(body: Body, outfit: Outfit, colours: Colours, person: int) -> SolidSet:
    """The body's bone-local solids with class, person index, albedo and texture filled in."""
    n = len(body.solid_part)
    class_id = np.array([part_class(p, outfit) for p in body.solid_part], np.uint8)
    by_class = {
        'Upper_Clothing': colours.shirt, 'Lower_Clothing': colours.pants, 'Hair': colours.hair,
        'Upper_Lip': colours.lips, 'Lower_Lip': colours.lips * 0.95,
        'Upper_Teeth': np.array([0.93, 0.9, 0.82]), 'Lower_Teeth': np.array([0.88, 0.85, 0.77]),
        'Tongue': np.array([0.78, 0.33, 0.38]), 'Left_Shoe': colours.shoes,
        'Right_Shoe': colours.shoes, 'Left_Sock': colours.socks, 'Right_Sock': colours.socks,
    }
    names = {v: k for k, v in CLASS_ID.items()}
    colour = np.empty((n, 3))
    texture = np.full(n, TEX_PLAIN, np.int8)
    colour_b = np.zeros((n, 3))
    colour_c = np.zeros((n, 3))
    tex_scale = np.zeros(n)
    brow = colours.hair * 0.7 if outfit.hair != 'none' else np.array([0.2, 0.14, 0.1])
    for i, (part, cid) in enumerate(zip(body.solid_part, class_id)):
        colour[i] = by_class.get(names[int(cid)], colours.skin)
        if part in ('hat', 'backpack'):
            colour[i] = colours.hat if part == 'hat' else colours.backpack
        elif part == 'head':
            texture[i], colour_b[i], colour_c[i] = TEX_FACE, colours.iris, brow
        elif names[int(cid)] == 'Upper_Clothing' and colours.stripes > 0:
            texture[i], colour_b[i], tex_scale[i] = TEX_STRIPES, colours.shirt_stripe, \
                colours.stripes
    return replace(body.solids, class_id=class_id, person=np.full(n, person, np.int16),
                   colour=colour, colour_b=colour_b, colour_c=colour_c, texture=texture,
                   tex_scale=tex_scale)
