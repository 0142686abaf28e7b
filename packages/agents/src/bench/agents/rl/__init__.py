"""Reusable RL algorithms shared by the agents' methods, one per module (``ppo``, ...).

Import from the module (``from bench.agents.rl.ppo import PPOConfig``): this package
imports nothing itself, so using one algorithm never loads another.
"""
