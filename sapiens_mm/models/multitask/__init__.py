from .sapiens_multitask import SapiensMultiTask

__all__ = ['SapiensMultiTask']
