"""Maximal Flexibility design pages, included under ``/acos/``."""

from django.urls import path

from . import views_designs as views

app_name = "cara_designs"

D = "<str:aco_id>/cara/designs/"
P = f"{D}<int:proposal_id>/"

urlpatterns = [
    path(D, views.DesignListView.as_view(), name="list"),
    path(f"{D}new/", views.DesignNewView.as_view(), name="new"),
    path(P, views.DesignDetailView.as_view(), name="detail"),
    path(f"{P}edit/", views.DesignEditView.as_view(), name="edit"),
    path(f"{P}submit/", views.DesignSubmitView.as_view(), name="submit"),
    path(f"{P}withdraw/", views.DesignWithdrawView.as_view(), name="withdraw"),
    path(f"{P}review/", views.DesignReviewView.as_view(), name="review"),
    path(f"{P}comments/", views.DesignCommentView.as_view(), name="comment"),
]
