# The 29-class Sapiens2 body-part vocabulary (the release's
# sapiens/dense/src/datasets/seg/seg_utils.py, DOME_CLASSES_29): v1's 28 classes with Eyeglass
# inserted at index 2, so every v1 index >= 2 is one higher here. Index order is the output-channel
# order of the released Sapiens2 segmentation checkpoints.
dataset_name = 'body_parts_29'
classes = (
    'Background', 'Apparel', 'Eyeglass', 'Face_Neck', 'Hair', 'Left_Foot', 'Left_Hand',
    'Left_Lower_Arm', 'Left_Lower_Leg', 'Left_Shoe', 'Left_Sock', 'Left_Upper_Arm',
    'Left_Upper_Leg', 'Lower_Clothing', 'Right_Foot', 'Right_Hand', 'Right_Lower_Arm',
    'Right_Lower_Leg', 'Right_Shoe', 'Right_Sock', 'Right_Upper_Arm', 'Right_Upper_Leg',
    'Torso', 'Upper_Clothing', 'Lower_Lip', 'Upper_Lip', 'Lower_Teeth', 'Upper_Teeth',
    'Tongue')
# RGB colour per class ("dome29").
palette = [
    [50, 50, 50], [255, 218, 0], [14, 204, 182], [128, 200, 255], [255, 0, 109],
    [189, 0, 204], [255, 0, 218], [0, 160, 204], [0, 255, 145], [204, 0, 131],
    [182, 0, 255], [255, 109, 0], [0, 255, 255], [72, 0, 255], [204, 131, 0],
    [255, 0, 0], [72, 255, 0], [189, 204, 0], [182, 255, 0], [102, 0, 204],
    [32, 72, 204], [0, 145, 255], [14, 204, 0], [0, 128, 72], [235, 205, 119],
    [115, 227, 112], [157, 113, 143], [132, 93, 50], [82, 21, 114]]
# Weights of the release's class-weighted cross-entropy (sapiens2_*_seg_*.py configs).
class_weight = [0.1, 10, 10, 3, 2, 4, 4, 2, 2, 6, 10, 3, 3, 1, 4, 4, 2, 2, 6, 10, 3, 3, 1, 1,
                10, 10, 10, 10, 10]
# Left/right pairs swapped by a horizontal flip (the release's SegRandomHorizontalFlip).
flip_pairs = [(5, 14), (6, 15), (7, 16), (8, 17), (9, 18), (10, 19), (11, 20), (12, 21)]
