"""What a command means: the intent catalogue, local matching, the model prompt and its validation.

Owns the catalogue (``intents.yaml``), recognitions, follow-up context, the local
matcher, the prompt sent to a model, the validation of the model's reply, the
spoken answers and the safety verdict. Imports the shared modules, ``language``
and ``home.py``; never ``calling``, ``cost``, ``cache`` or the pipeline.
"""
