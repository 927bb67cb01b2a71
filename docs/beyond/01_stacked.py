# %% [markdown]
# # 01_stacked (placeholder)
#
# Placeholder page created by the site helper so the navigation builds; its author replaces it.

# %%
# %matplotlib inline
print("placeholder")
