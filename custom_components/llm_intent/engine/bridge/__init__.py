"""The Redis voice bridge: stream messages, Redis streams, the consumer and its pipeline process.

Sits at the top of the engine: it may import any other engine package.
"""
