"""Tiny models trained from pandas categoricals, so that their files store category labels
(XGBoost `cats`, LightGBM `pandas_categorical`). Run: .venv/bin/python tests/data/labels/make_models.py
"""
import os

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)
df = pd.DataFrame({
    "plan": pd.Categorical(rng.choice(["basic", "pro", "team"], 300)),
    "usage": rng.random(300),
    "seats": pd.Categorical(rng.choice([3, 7, 9], 300)),
})
y = ((df.plan == "pro") ^ (df.usage > 0.5)).astype(int)
xgb.XGBClassifier(n_estimators=3, max_depth=2, enable_categorical=True, tree_method="hist",
                  max_cat_to_onehot=1).fit(df, y).get_booster().save_model(
    os.path.join(here, "xgb_labels.json"))
lgb.LGBMClassifier(n_estimators=2, verbose=-1, min_child_samples=5).fit(df, y).booster_.save_model(
    os.path.join(here, "lgb_labels.txt"))
print("written")
