#!/usr/bin/python3
"""The conversion researchers run on CelebAMask-HQ (after the official g_mask.py of
switchablenorms/CelebAMask-HQ, order A): for every image id, read each present part mask with OpenCV,
paint it into an index map in the label order (later parts win), write a single-channel PNG.

    /usr/bin/python3 celebamask_to_index.py <dataset-root> <out-dir> <count>
"""
import os
import sys
import time

import cv2
import numpy as np

label_list = ['skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'l_ear', 'r_ear',
              'mouth', 'u_lip', 'l_lip', 'hair', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth']

folder_base = os.path.join(sys.argv[1], 'CelebAMask-HQ-mask-anno')
folder_save = sys.argv[2]
img_num = int(sys.argv[3])
os.makedirs(folder_save, exist_ok=True)

for k in range(img_num):
    folder_num = k // 2000
    im_base = np.zeros((512, 512), dtype=np.uint8)
    for idx, label in enumerate(label_list):
        filename = os.path.join(folder_base, str(folder_num), str(k).rjust(5, '0') + '_' + label + '.png')
        if os.path.exists(filename):
            im = cv2.imread(filename)
            im = im[:, :, 0]
            im_base[im != 0] = (idx + 1)
    cv2.imwrite(os.path.join(folder_save, str(k) + '.png'), im_base)

# CPU seconds of this process, for the benchmark (not part of the conversion).
print('cpu_s %.3f' % time.process_time(), file=sys.stderr)
